import ArgumentParser
import Foundation
import Logging
import PortraitKafka
import Synchronization

extension DevBroker {
    /// `portrait dev-broker check`: produces a few records to a broker and reads them back through our client.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Produce a few records to a broker and consume them back through Portrait's Kafka client.")

        @Option(help: "Bootstrap servers, e.g. the address `portrait dev-broker` printed.")
        var bootstrapServer: String

        @Option(name: .customLong("check-topic"), help: "Topic to write to and read back.")
        var topic: String = "interactions"

        @Option(help: "Number of records.")
        var messages: Int = 5

        func run() throws {
            var logger = Logger(label: "portrait.check", factory: { StreamLogHandler.standardError(label: $0) })
            logger.logLevel = .warning
            let runID = UInt64(Date().timeIntervalSince1970 * 1000)
            let delivered = Mutex<[KafkaDeliveryReport]>([])
            let producer = try KafkaProducer(
                configuration: KafkaConfiguration(["bootstrap.servers": bootstrapServer, "linger.ms": "1"]),
                logger: logger
            ) { reports in delivered.withLock { $0.append(contentsOf: reports) } }
            for index in 0..<messages {
                let value = #"{"run":\#(runID),"n":\#(index)}"#
                try producer.send(
                    topic: topic, partition: nil, key: Array("user-\(index)".utf8), value: Array(value.utf8),
                    headers: [KafkaHeader(key: "portrait.demo", string: "\(runID)")], token: UInt64(index))
            }
            try producer.flush(timeout: .seconds(10))
            producer.close(timeout: .seconds(5))
            let reports = delivered.withLock { $0 }
            if let failure = reports.first(where: { $0.error != nil }) {
                throw ValidationError("delivery failed: \(failure.error!)")
            }
            for report in reports.sorted(by: { $0.token < $1.token }) {
                print("produced  \(report.topic)/\(report.partition)@\(report.offset)")
            }

            let consumer = try KafkaConsumer(
                configuration: KafkaConfiguration(["bootstrap.servers": bootstrapServer, "fetch.wait.max.ms": "10"]),
                logger: logger)
            let partitions = try consumer.partitionCount(topic: topic, timeout: .seconds(10))
            var start: [KafkaTopicPartition: KafkaOffset] = [:]
            for report in reports {
                let tp = KafkaTopicPartition(topic: report.topic, partition: report.partition)
                start[tp] = min(start[tp] ?? report.offset, report.offset)
            }
            try consumer.assign(start)
            var received = 0
            let deadline = ContinuousClock.now + .seconds(15)
            while received < messages && ContinuousClock.now < deadline {
                _ = try consumer.poll(maxMessages: 100, timeout: .milliseconds(100)) { message in
                    guard message.header(named: "portrait.demo")?.value == Array("\(runID)".utf8) else { return }
                    let key = message.key.map { String(decoding: $0, as: UTF8.self) } ?? "<null>"
                    let value = message.value.map { String(decoding: $0, as: UTF8.self) } ?? "<null>"
                    print("consumed  \(message.topic)/\(message.partition)@\(message.offset) key=\(key) value=\(value)")
                    received += 1
                }
            }
            try consumer.close()
            print("round trip: \(received)/\(messages) records through \(partitions) partitions of \(topic)")
            guard received == messages else { throw ExitCode.failure }
        }
    }
}
