import Foundation
import Logging
import Synchronization
import Testing

@testable import PortraitKafka

/// A mock cluster plus the client properties that keep tests fast on it.
struct TestCluster {
    let mock: KafkaMockCluster
    let logger: Logger

    init(brokers: Int = 1, topics: [String: Int]) throws {
        var logger = Logger(label: "kafka-test")
        logger.logLevel = .warning
        self.logger = logger
        mock = try KafkaMockCluster(brokers: brokers, logger: logger)
        for (topic, partitions) in topics { try mock.createTopic(topic, partitions: partitions) }
    }

    func consumerConfiguration(group: String? = nil, _ extra: [String: String] = [:]) -> KafkaConfiguration {
        var properties = [
            "bootstrap.servers": mock.bootstrapServers,
            "auto.offset.reset": "earliest",
            "fetch.wait.max.ms": "10",
            "session.timeout.ms": "2500",
            "heartbeat.interval.ms": "100",
            "topic.metadata.refresh.interval.ms": "500",
            "auto.commit.interval.ms": "200",
        ]
        if let group { properties["group.id"] = group }
        return KafkaConfiguration(properties.merging(extra) { $1 })
    }

    func producerConfiguration(_ extra: [String: String] = [:]) -> KafkaConfiguration {
        KafkaConfiguration(
            ["bootstrap.servers": mock.bootstrapServers, "linger.ms": "1", "topic.metadata.refresh.interval.ms": "500"]
                .merging(extra) { $1 })
    }

    func producer(_ extra: [String: String] = [:], reports: DeliveryCollector) throws -> KafkaProducer {
        try KafkaProducer(configuration: producerConfiguration(extra), logger: logger) { reports.add($0) }
    }
}

/// Collects delivery reports from the producer's event thread.
final class DeliveryCollector: Sendable {
    private let reports = Mutex<[KafkaDeliveryReport]>([])

    func add(_ batch: [KafkaDeliveryReport]) { reports.withLock { $0.append(contentsOf: batch) } }
    var all: [KafkaDeliveryReport] { reports.withLock { $0 } }

    /// Waits (polling every 10 ms) until `count` reports arrived or the deadline passes.
    func wait(for count: Int, within limit: Duration = .seconds(20)) -> [KafkaDeliveryReport] {
        let deadline = ContinuousClock.now + limit
        while all.count < count && ContinuousClock.now < deadline { sleepMilliseconds(10) }
        return all
    }
}

func sleepMilliseconds(_ ms: Int) {
    Thread.sleep(forTimeInterval: Double(ms) / 1000)
}

extension KafkaConsumer {
    /// Polls until `count` messages arrived (or the deadline passes), returning owned copies.
    func collect(_ count: Int, within limit: Duration = .seconds(20)) throws -> [KafkaMessage] {
        var messages: [KafkaMessage] = []
        let deadline = ContinuousClock.now + limit
        while messages.count < count && ContinuousClock.now < deadline {
            _ = try poll(maxMessages: 256, timeout: .milliseconds(50)) { messages.append($0.copy()) }
        }
        return messages
    }

    /// Polls for `duration`, returning whatever arrived.
    func drain(for duration: Duration) throws -> [KafkaMessage] {
        var messages: [KafkaMessage] = []
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline {
            _ = try poll(maxMessages: 256, timeout: .milliseconds(20)) { messages.append($0.copy()) }
        }
        return messages
    }
}

extension Array where Element == UInt8 {
    init(_ string: String) { self = Array(string.utf8) }
}
