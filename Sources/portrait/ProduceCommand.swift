import ArgumentParser
import Dispatch
import Foundation
import Logging
import PortraitCore
import PortraitKafka
import PortraitService
import Synchronization

/// `portrait produce`: the synthetic load generator (or a JSONL replayer) for the interactions topic.
struct Produce: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Produce synthetic interaction events (or replay a JSONL file) to Kafka.",
        discussion: """
            Users have Zipf-distributed activity, tags and authors a popularity skew, the type mix and watch
            times are realistic, and everything follows from --seed. Events are keyed by user_id. The item
            catalog (--items records) is published first unless --no-catalog. Event times start at the wall
            clock and advance with the rate. A progress line is printed to stderr every second.
            """
    )

    @Option(help: "Bootstrap brokers.") var brokers = "localhost:9092"
    @Option(help: "Input topic.") var topic = "interactions"
    @Option(name: .customLong("items-topic"), help: "Item catalog topic.") var itemsTopic = "items"
    @Option(help: "Events per second; 0 for as fast as the broker takes them.") var rate = 1_000
    @Option(help: "Events to produce; 0 for no end (until Ctrl-C).") var count = 0
    @Option(help: "Distinct users.") var users = 100_000
    @Option(help: "Distinct tags.") var tags = 5_000
    @Option(help: "Distinct authors.") var authors = 2_000
    @Option(help: "Distinct items.") var items = 50_000
    @Option(help: "Random seed: the same seed gives the same events.") var seed: UInt64 = 42
    @Option(name: .customLong("zipf"), help: "Zipf exponent of user activity.") var zipfExponent = 1.0
    @Flag(name: .customLong("no-catalog"), help: "Do not publish the item catalog first.") var noCatalog = false
    @Option(help: "Replay this JSONL file (one event per line) instead of generating events.") var replay: String?
    @Flag(help: "No progress line.") var quiet = false
    @Option(name: .customLong("kafka"), help: "A librdkafka property, name=value (repeatable).") var kafka: [String] = []

    func run() async throws {
        var logger = Logger(label: "portrait.produce")
        logger.logLevel = .warning
        var properties = ["bootstrap.servers": brokers, "linger.ms": "10", "queue.buffering.max.messages": "1000000"]
        for pair in kafka {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--kafka takes name=value, got \(pair)") }
            properties[parts[0]] = parts[1]
        }
        let acked = Atomic<Int>(0)
        let failed = Atomic<Int>(0)
        let producer = try KafkaProducer(configuration: KafkaConfiguration(properties), logger: logger) { reports in
            var errors = 0
            for report in reports where report.error != nil { errors += 1 }
            acked.add(reports.count - errors, ordering: .relaxed)
            failed.add(errors, ordering: .relaxed)
        }
        let stop = Atomic<Bool>(false)
        let signals = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { stop.store(true, ordering: .relaxed) }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }

        let started = ContinuousClock.now
        var produced = 0
        var lastProgress = started
        func progress(final: Bool = false) {
            guard !quiet else { return }
            let seconds = max(0.001, (ContinuousClock.now - started).inSeconds)
            let line = String(
                format: "\rproduced %d (%.0f/s), acknowledged %d, failed %d", produced, Double(produced) / seconds,
                acked.load(ordering: .relaxed), failed.load(ordering: .relaxed)
            )
            FileHandle.standardError.write(Data((line + (final ? "\n" : "")).utf8))
        }
        func send(_ topic: String, key: [UInt8], value: [UInt8]) throws {
            while true {
                do {
                    try producer.send(topic: topic, partition: nil, key: key, value: value, token: 0)
                    return
                } catch where error.code == .queueFull {
                    Thread.sleep(forTimeInterval: 0.001)
                }
            }
        }
        /// Sleeps as needed so that `produced` follows `rate`, and prints progress once a second.
        func pace() {
            if ContinuousClock.now - lastProgress >= .seconds(1) {
                progress()
                lastProgress = .now
            }
            guard rate > 0 else { return }
            let due = started + .nanoseconds(Int64(Double(produced) / Double(rate) * 1e9))
            let wait = due - .now
            if wait > .zero { Thread.sleep(forTimeInterval: wait.inSeconds) }
        }

        if let replay {
            let text = try String(contentsOfFile: replay, encoding: .utf8)
            for line in text.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                if stop.load(ordering: .relaxed) || (count > 0 && produced >= count) { break }
                let value = Array(line.utf8)
                let object = try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any]
                let key = Array(((object?["user_id"] as? String) ?? "").utf8)
                try send(topic, key: key, value: value)
                produced += 1
                pace()
            }
        } else {
            // Event time follows the wall clock at the given rate; flat out it advances slowly so it never runs
            // more than the hour ahead the daemon accepts.
            let stepMs = rate > 0 ? 1_000.0 / Double(rate) : 0.01
            var traffic = SyntheticTraffic(
                options: .init(
                    users: users, tags: tags, authors: authors, items: items, seed: seed, zipfExponent: zipfExponent,
                    startMs: Int64(Date().timeIntervalSince1970 * 1_000), eventTimeStepMs: stepMs
                )
            )
            if !noCatalog {
                for index in 0..<items {
                    try send(itemsTopic, key: Array(traffic.itemId(index).utf8), value: traffic.catalogRecord(item: index))
                }
                try producer.flush(timeout: .seconds(60))
            }
            var value: [UInt8] = []
            var key: [UInt8] = []
            while !stop.load(ordering: .relaxed) && (count == 0 || produced < count) {
                value.removeAll(keepingCapacity: true)
                key.removeAll(keepingCapacity: true)
                traffic.appendEvent(value: &value, key: &key)
                try send(topic, key: key, value: value)
                produced += 1
                pace()
            }
        }
        do {
            try producer.flush(timeout: .seconds(60))
        } catch {
            FileHandle.standardError.write(Data("\nflush: \(error)\n".utf8))
        }
        progress(final: true)
        producer.close(timeout: .seconds(5))
        if failed.load(ordering: .relaxed) > 0 { throw ExitCode(1) }
    }
}
