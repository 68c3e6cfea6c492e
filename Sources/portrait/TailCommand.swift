import ArgumentParser
import Foundation
import Logging
import PortraitKafka

/// `portrait tail`: a readable consumer of Portrait's output topics.
struct Tail: AsyncParsableCommand {
    enum Stream: String, ExpressibleByArgument, CaseIterable {
        case profiles, recommendations, dlq
    }

    static let configuration = CommandConfiguration(
        abstract: "Follow Portrait's output topics: profiles, recommendations or dead letters.",
        discussion: """
            Streaming (default) prints one line per record. --latest keeps the newest record per user (the
            highest version, as consumers of the outputs should) and redraws the most active users' view
            every second.
            """
    )

    @Argument(help: "profiles, recommendations or dlq") var stream: Stream
    @Option(help: "Bootstrap brokers.") var brokers = "localhost:9092"
    @Option(help: "Topic name (default: the contract's name for the stream).") var topic: String?
    @Flag(name: .customLong("from-beginning"), help: "Read from the beginning instead of new records only.")
    var fromBeginning = false
    @Flag(help: "Show the latest record per user, redrawn every second.") var latest = false
    @Option(help: "Only this user.") var user: String?
    @Option(help: "Stop after this many records (0: no limit).") var count = 0
    @Option(help: "Rows in --latest mode.") var rows = 10

    func run() async throws {
        var logger = Logger(label: "portrait.tail")
        logger.logLevel = .warning
        let topic = topic ?? ["profiles": "portrait.profiles", "recommendations": "portrait.recommendations", "dlq": "portrait.dlq"][stream.rawValue]!
        let consumer = try KafkaConsumer(configuration: KafkaConfiguration(["bootstrap.servers": brokers]), logger: logger)
        let partitions = try consumer.partitionCount(topic: topic, timeout: .seconds(10))
        var assignment: [KafkaTopicPartition: KafkaOffset] = [:]
        for partition in 0..<partitions {
            assignment[KafkaTopicPartition(topic: topic, partition: KafkaPartition(rawValue: Int32(partition)))] =
                fromBeginning || latest ? .beginning : .end
        }
        try consumer.assign(assignment)

        var seen = 0
        var newest: [String: (version: Int, record: [String: Any])] = [:]
        var lastDraw = ContinuousClock.now
        while count == 0 || seen < count {
            _ = try consumer.poll(maxMessages: 1_000, timeout: .milliseconds(200)) { message in
                let key = message.key.map { String(decoding: $0, as: UTF8.self) } ?? ""
                if let user, key != user { return }
                if count > 0 && seen >= count { return }
                seen += 1
                if stream == .dlq {
                    let headers = Dictionary(message.headers.map { ($0.key, $0.value.map { String(decoding: $0, as: UTF8.self) } ?? "") }) { $1 }
                    let value = message.value.map { String(decoding: $0.prefix(160), as: UTF8.self) } ?? "null"
                    print("\(headers["portrait.error"] ?? "?")  \(headers["portrait.source"] ?? "?")  key=\(key)  \(value)")
                    return
                }
                guard let bytes = message.value,
                    let record = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
                else { return }
                let version = record["version"] as? Int ?? 0
                if latest {
                    if version > newest[key]?.version ?? -1 { newest[key] = (version, record) }
                } else {
                    print(Self.summary(stream, record))
                }
            }
            if latest && ContinuousClock.now - lastDraw >= .seconds(1) {
                lastDraw = .now
                draw(newest)
            }
        }
        try consumer.close()
    }

    private func draw(_ newest: [String: (version: Int, record: [String: Any])]) {
        let top = newest.values.map(\.record).sorted {
            ($0["events"] as? Int ?? $0["version"] as? Int ?? 0) > ($1["events"] as? Int ?? $1["version"] as? Int ?? 0)
        }.prefix(rows)
        var screen = "\u{1B}[H\u{1B}[2J\(newest.count) users — latest \(stream.rawValue) of the most active\n\n"
        for record in top { screen += Self.summary(stream, record) + "\n" }
        print(screen, terminator: "")
    }

    static func summary(_ stream: Stream, _ record: [String: Any]) -> String {
        let user = record["user_id"] as? String ?? "?"
        let version = record["version"] as? Int ?? 0
        func number(_ value: Any?) -> String { String(format: "%.2f", (value as? NSNumber)?.doubleValue ?? 0) }
        switch stream {
        case .profiles:
            let interests = (record["interests"] as? [[String: Any]] ?? []).prefix(4).map { "\($0["tag"] ?? "?") \(number($0["score"]))" }
            let authors = (record["authors"] as? [[String: Any]] ?? []).prefix(2).map { "\($0["author_id"] ?? "?")" }
            let windows = (record["windows"] as? [String: [String: Int]])?["1h"]?.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ",") ?? ""
            return "\(user.padding(toLength: 10, withPad: " ", startingAt: 0)) v\(version) events=\(record["events"] ?? 0)  interests: \(interests.joined(separator: ", "))  authors: \(authors.joined(separator: ","))  1h: \(windows)"
        case .recommendations:
            let items = (record["items"] as? [[String: Any]] ?? []).prefix(5).map { "\($0["item_id"] ?? "?") (\($0["reason"] ?? ""))" }
            return "\(user.padding(toLength: 10, withPad: " ", startingAt: 0)) v\(version)  \(items.joined(separator: "  "))"
        case .dlq:
            return ""
        }
    }
}
