import ArgumentParser
import Dispatch
import Foundation
import Logging
import PortraitKafka

/// `portrait dev-broker`: an in-memory Kafka cluster for development, demos and benchmarks.
struct DevBroker: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev-broker",
        abstract: "Run an in-memory Kafka cluster for development (librdkafka's mock broker).",
        discussion: """
            DEVELOPMENT ONLY: all data is kept in memory and lost on exit, each partition keeps only about \
            5 MiB (older records are dropped silently), and there is no admin API, security or replication. \
            Prints the bootstrap address as one line on stdout, then runs until SIGINT or SIGTERM.
            """,
        subcommands: [Check.self]
    )

    /// The contract's topics with the partition counts the demo uses.
    static let defaultTopics = [
        "interactions:8", "items:4", "portrait.profiles:8", "portrait.recommendations:8", "portrait.dlq:1",
    ]

    @Option(help: "Number of brokers in the cluster.")
    var brokers: Int = 1

    @Option(
        name: .customLong("topic"),
        help: "A topic to create as NAME:PARTITIONS (repeatable; default: the contract's topics).")
    var topics: [String] = []

    @Option(help: "Also write the bootstrap address to this file.")
    var bootstrapFile: String?

    @Option(help: "Log level for the broker's own messages (stderr).")
    var logLevel: String = "warning"

    func validate() throws {
        guard brokers >= 1 else { throw ValidationError("--brokers must be at least 1") }
        for topic in topics where Self.parseTopic(topic) == nil {
            throw ValidationError("--topic must be NAME:PARTITIONS with PARTITIONS ≥ 1, got \"\(topic)\"")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
    }

    static func parseTopic(_ text: String) -> (name: String, partitions: Int)? {
        guard let colon = text.lastIndex(of: ":"), let count = Int(text[text.index(after: colon)...]), count >= 1
        else { return nil }
        let name = String(text[..<colon])
        return name.isEmpty ? nil : (name, count)
    }

    func run() throws {
        var logger = Logger(label: "portrait.dev-broker", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
        let cluster = try KafkaMockCluster(brokers: brokers, logger: logger)
        for spec in topics.isEmpty ? Self.defaultTopics : topics {
            let (name, partitions) = Self.parseTopic(spec)!
            try cluster.createTopic(name, partitions: partitions)
        }
        if let bootstrapFile {
            try (cluster.bootstrapServers + "\n").write(toFile: bootstrapFile, atomically: true, encoding: .utf8)
        }
        FileHandle.standardOutput.write(Data((cluster.bootstrapServers + "\n").utf8))
        logger.notice("dev broker up", metadata: ["bootstrap": "\(cluster.bootstrapServers)", "brokers": "\(brokers)"])

        let stop = DispatchSemaphore(value: 0)
        let sources = [SIGINT, SIGTERM].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { stop.signal() }
            source.resume()
            return source
        }
        stop.wait()
        sources.forEach { $0.cancel() }
        logger.notice("dev broker stopping")
        withExtendedLifetime(cluster) {}
    }
}
