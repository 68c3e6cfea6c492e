import Logging
import Testing

@testable import PortraitKafka

@Suite(.timeLimit(.minutes(1)))
struct KafkaConfigurationTests {
    @Test func unknownPropertyIsNamedInOneLine() throws {
        let configuration = KafkaConfiguration(["bootstrap.servers": "127.0.0.1:1", "no.such.property": "1"])
        let error = try #require(throws: KafkaError.self) { try configuration.validate(for: .consumer) }
        #expect(error.code == .invalidArgument)
        #expect(error.description.contains("\"no.such.property\""))
        #expect(!error.description.contains("\n"))
        #expect(!error.isFatal)
    }

    @Test func badValueFailsClientCreationNamingTheProperty() throws {
        var logger = Logger(label: "t")
        logger.logLevel = .critical
        let error = try #require(throws: KafkaError.self) {
            _ = try KafkaConsumer(
                configuration: KafkaConfiguration(["session.timeout.ms": "soon"]), logger: logger)
        }
        #expect(error.description.contains("session.timeout.ms"))
        let producerError = try #require(throws: KafkaError.self) {
            _ = try KafkaProducer(configuration: KafkaConfiguration(["acks": "1"]), logger: logger) { _ in }
        }
        #expect(producerError.description.contains("acks"))
    }

    @Test func goodConfigurationValidates() throws {
        try KafkaConfiguration(["bootstrap.servers": "a:1", "linger.ms": "5", "compression.codec": "lz4"])
            .validate(for: .producer)
    }

    @Test func errorDescriptionIsReadable() {
        let error = KafkaError(rdCode: KafkaError.Code.transport.rawValue, detail: "broker 1 down")
        #expect(error.description == "Kafka error _TRANSPORT (-195): Local: Broker transport failure: broker 1 down")
        #expect(error.isRetriable)
    }

    /// librdkafka logs a broker connection failure itself (FAIL) and then raises the same text as an error event;
    /// only the first may reach the log at warning or above. Codes it raises otherwise must still be logged.
    @Test func connectionFailuresAreLoggedOnceButOtherErrorsAreNot() {
        for code in [KafkaError.Code.transport, .resolve, .ssl, .authentication] {
            let error = KafkaError(rdCode: code.rawValue, detail: "127.0.0.1:9/bootstrap: Connect failed")
            #expect(error.isLoggedConnectionFailure, "\(error.name)")
            #expect(error.name.hasPrefix("_"), "\(error.name) is a client-local code")
        }
        for code in [KafkaError.Code.allBrokersDown, .messageTimedOut, .unknownTopicOrPartition, .fatal] {
            #expect(!KafkaError(rdCode: code.rawValue, detail: "x").isLoggedConnectionFailure)
        }
        #expect(KafkaError(rdCode: KafkaError.Code.resolve.rawValue, detail: "").name == "_RESOLVE")
        #expect(KafkaError(rdCode: KafkaError.Code.ssl.rawValue, detail: "").name == "_SSL")
        #expect(KafkaError(rdCode: KafkaError.Code.authentication.rawValue, detail: "").name == "_AUTHENTICATION")
    }
}
