import Foundation
import Logging
import PortraitKafka
import PortraitService
import Synchronization
import Testing

/// An in-process mock Kafka cluster with the contract's topics, plus helpers to write and read them.
final class TestCluster: Sendable {
    let cluster: KafkaMockCluster
    let logger: Logger
    let inputPartitions: Int

    init(inputPartitions: Int = 4) throws {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        self.logger = logger
        self.inputPartitions = inputPartitions
        cluster = try KafkaMockCluster(brokers: 1, logger: logger)
        for (topic, partitions) in DevelopmentTopics.partitions(inputPartitions: inputPartitions) {
            try cluster.createTopic(topic, partitions: partitions)
        }
    }

    var bootstrap: String { cluster.bootstrapServers }

    /// Produces `records` (key, value) to `topic`, waiting for every acknowledgement.
    func produce(_ topic: String, _ records: [(key: String?, value: [UInt8]?)], partition: Int32? = nil) throws {
        let failures = Mutex<[String]>([])
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(["bootstrap.servers": bootstrap, "linger.ms": "1"]), logger: logger,
            deliveryReports: { reports in
                for report in reports where report.error != nil { failures.withLock { $0.append("\(report.error!)") } }
            }
        )
        for (index, record) in records.enumerated() {
            try producer.send(
                topic: topic, partition: partition.map { KafkaPartition(rawValue: $0) }, key: record.key.map { Array($0.utf8) },
                value: record.value, token: UInt64(index)
            )
        }
        try producer.flush(timeout: .seconds(10))
        producer.close(timeout: .seconds(1))
        let errors = failures.withLock { $0 }
        #expect(errors.isEmpty, "delivery failed: \(errors)")
    }

    func produce(_ topic: String, lines: [String], key: (String) -> String?) throws {
        try produce(topic, lines.map { (key($0), Array($0.utf8)) })
    }

    /// Reads every record of `topic` from the beginning until `until` holds for what was read (or times out).
    func read(
        _ topic: String,
        timeout: Duration = .seconds(20),
        until: ([KafkaMessage]) -> Bool
    ) throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(
            configuration: KafkaConfiguration(["bootstrap.servers": bootstrap, "fetch.wait.max.ms": "10"]), logger: logger
        )
        defer { try? consumer.close() }
        let partitions = try consumer.partitionCount(topic: topic, timeout: .seconds(5))
        var assignment: [KafkaTopicPartition: KafkaOffset] = [:]
        for partition in 0..<partitions {
            assignment[KafkaTopicPartition(topic: topic, partition: KafkaPartition(rawValue: Int32(partition)))] = .beginning
        }
        try consumer.assign(assignment)
        var messages: [KafkaMessage] = []
        let deadline = ContinuousClock.now + timeout
        while !until(messages) {
            guard ContinuousClock.now < deadline else { return messages }
            _ = try consumer.poll(maxMessages: 1_000, timeout: .milliseconds(100)) { messages.append($0.copy()) }
        }
        return messages
    }

    /// The group's committed offsets of the input topic, by partition (`nil` where nothing is committed).
    func committedInputOffsets(group: String = "portrait") throws -> [Int32: Int64] {
        let consumer = try KafkaConsumer(
            configuration: KafkaConfiguration(["bootstrap.servers": bootstrap, "group.id": group]), logger: logger
        )
        defer { try? consumer.close() }
        let tps = (0..<inputPartitions).map {
            KafkaTopicPartition(topic: "interactions", partition: KafkaPartition(rawValue: Int32($0)))
        }
        var result: [Int32: Int64] = [:]
        for (tp, offset) in try consumer.committedOffsets(tps, timeout: .seconds(5)) where offset.rawValue >= 0 {
            result[tp.partition.rawValue] = offset.rawValue
        }
        return result
    }
}

/// The contract's example files, read from `../shared/contract/examples` or the test fixtures.
enum ContractExamples {
    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("PortraitCoreTests/Fixtures")
    }

    static func lines(_ name: String) throws -> [String] {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            .split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }

    static func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// `bad-records.txt`: (value bytes, expected reason code).
    static func badRecords() throws -> [(value: [UInt8], reason: String)] {
        try lines("bad-records.txt").filter { !$0.hasPrefix("#") }.map { line in
            let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
            let value: [UInt8] =
                parts[0] == "<70KiB>"
                ? Array(("{\"user_id\":\"u1\",\"pad\":\"" + String(repeating: "x", count: 70 * 1_024) + "\"}").utf8)
                : Array(parts[0].utf8)
            return (value, parts[1])
        }
    }
}

extension KafkaMessage {
    func header(_ name: String) -> String? {
        headers.first { $0.key == name }?.value.map { String(decoding: $0, as: UTF8.self) }
    }

    var valueString: String { value.map { String(decoding: $0, as: UTF8.self) } ?? "" }
    var keyString: String? { key.map { String(decoding: $0, as: UTF8.self) } }

    var jsonObject: [String: Any]? {
        value.flatMap { try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] }
    }
}
