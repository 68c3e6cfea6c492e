import Foundation
import Logging
import Testing

@testable import PortraitKafka

/// Produce/consume round trips against a real Kafka cluster, run only when `PORTRAIT_TEST_BROKERS` names one
/// (e.g. `PORTRAIT_TEST_BROKERS=127.0.0.1:9092 swift test --filter RealBroker`); reported as skipped otherwise.
///
/// Each run uses a unique topic, created by the broker's auto-creation on first produce; set
/// `PORTRAIT_TEST_TOPIC` to an existing topic on brokers that do not auto-create. Only partition 0 is used, and
/// records are found by a per-run key prefix, so an existing topic's older data does not matter.
@Suite(
    .enabled(
        if: !(ProcessInfo.processInfo.environment["PORTRAIT_TEST_BROKERS"] ?? "").isEmpty,
        "PORTRAIT_TEST_BROKERS is not set"),
    .serialized, .timeLimit(.minutes(1)))
struct RealBrokerTests {
    static var brokers: String? {
        ProcessInfo.processInfo.environment["PORTRAIT_TEST_BROKERS"].flatMap { $0.isEmpty ? nil : $0 }
    }

    let run = UUID().uuidString.prefix(8).lowercased()
    let topic: String
    let logger: Logger

    init() {
        topic = ProcessInfo.processInfo.environment["PORTRAIT_TEST_TOPIC"] ?? "portrait-test-\(run)"
        var logger = Logger(label: "real-broker-test")
        logger.logLevel = .warning
        self.logger = logger
    }

    private func configuration(_ extra: [String: String] = [:]) -> KafkaConfiguration {
        KafkaConfiguration(["bootstrap.servers": Self.brokers ?? ""].merging(extra) { $1 })
    }

    /// Produces `count` keyed records with a header to partition 0; returns the first delivered offset.
    private func produce(_ count: Int) throws -> KafkaOffset {
        let reports = DeliveryCollector()
        let producer = try KafkaProducer(configuration: configuration(["linger.ms": "5"]), logger: logger) {
            reports.add($0)
        }
        defer { producer.close(timeout: .seconds(5)) }
        for index in 0..<count {
            try producer.send(
                topic: topic, partition: KafkaPartition(0), key: [UInt8]("\(run)-\(index)"),
                value: [UInt8]("value-\(index)"), headers: [KafkaHeader(key: "portrait.test", string: run)],
                token: UInt64(index))
        }
        try producer.flush(timeout: .seconds(30))
        let delivered = reports.wait(for: count)
        try #require(delivered.count == count, "delivery reports: \(delivered.count) of \(count)")
        let failed = delivered.filter { $0.error != nil }
        try #require(failed.isEmpty, "delivery failed: \(failed.prefix(3).map { "\($0.error!)" })")
        return delivered.map(\.offset).min()!
    }

    @Test func produceThenConsumeRoundTripsKeysValuesAndHeaders() throws {
        let first = try produce(20)
        let consumer = try KafkaConsumer(configuration: configuration(["fetch.wait.max.ms": "100"]), logger: logger)
        defer { try? consumer.close() }
        try consumer.assign([KafkaTopicPartition(topic, 0): first])
        let messages = try consumer.collect(20, within: .seconds(30)).filter {
            $0.key.map { String(decoding: $0, as: UTF8.self).hasPrefix("\(run)-") } ?? false
        }
        #expect(messages.count == 20)
        for (index, message) in messages.enumerated() {
            #expect(message.key == [UInt8]("\(run)-\(index)"))
            #expect(message.value == [UInt8]("value-\(index)"))
            #expect(message.headers == [KafkaHeader(key: "portrait.test", string: run)])
            #expect(message.offset.rawValue == first.rawValue + Int64(index))
        }
    }

    @Test func groupConsumerCommitsWhatItProcessed() throws {
        let first = try produce(10)
        let group = "portrait-test-\(run)"
        let consumer = try KafkaConsumer(
            configuration: configuration([
                "group.id": group, "auto.offset.reset": "earliest", "enable.auto.commit": "false",
                "fetch.wait.max.ms": "100",
            ]), logger: logger)
        defer { try? consumer.close() }
        try consumer.assign([KafkaTopicPartition(topic, 0): first])
        let messages = try consumer.collect(10, within: .seconds(30))
        try #require(messages.count == 10)
        let next = KafkaOffset(rawValue: messages.map(\.offset.rawValue).max()! + 1)
        try consumer.storeOffset(KafkaTopicPartition(topic, 0), nextOffset: next)
        try consumer.commit(synchronously: true)
        let committed = try consumer.committedOffsets([KafkaTopicPartition(topic, 0)], timeout: .seconds(10))
        #expect(committed[KafkaTopicPartition(topic, 0)] == next)
    }
}
