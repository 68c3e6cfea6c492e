import Foundation
import Logging
import PortraitCore
import PortraitKafka
import PortraitService
import Synchronization

/// Shared pieces of the daemon benchmarks: a `portraitd` child process, synthetic preload, metrics scraping.
enum DaemonBench {
    static var logger: Logger {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        return logger
    }

    /// The contract's topics on a fresh dev broker, `partitions` for input and outputs.
    static func topics(partitions: Int) -> [String] {
        ["interactions:\(partitions)", "items:4", "portrait.profiles:\(partitions)",
         "portrait.recommendations:\(partitions)", "portrait.dlq:1"]
    }

    /// Produces `events` synthetic events (keyed by user, event times spread over the last hour) and a catalog.
    ///
    /// Records are spread round-robin over the partitions rather than by key: Zipf-active users would put
    /// far more than the mock broker's ~5 MiB into their partitions, and the mock drops the excess silently.
    static func preload(bootstrap: String, events: Int, users: Int, items: Int, partitions: Int, seed: UInt64 = 7) throws {
        let failed = Atomic<Int>(0)
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration([
                "bootstrap.servers": bootstrap, "linger.ms": "50", "batch.num.messages": "10000",
                "queue.buffering.max.messages": "2000000",
            ]),
            logger: logger
        ) { reports in
            failed.add(reports.filter { $0.error != nil }.count, ordering: .relaxed)
        }
        let nowMs = Int64(Date().timeIntervalSince1970 * 1_000)
        var traffic = SyntheticTraffic(
            options: .init(users: users, items: items, seed: seed, startMs: nowMs - 3_600_000,
                           eventTimeStepMs: 3_500_000 / Double(max(events, 1)))
        )
        for index in 0..<items {
            try send(producer, "items", partition: nil, key: Array(traffic.itemId(index).utf8), value: traffic.catalogRecord(item: index))
        }
        var key: [UInt8] = []
        var value: [UInt8] = []
        for index in 0..<events {
            key.removeAll(keepingCapacity: true)
            value.removeAll(keepingCapacity: true)
            traffic.appendEvent(value: &value, key: &key)
            try send(producer, "interactions", partition: Int32(index % partitions), key: key, value: value)
        }
        try producer.flush(timeout: .seconds(300))
        producer.close(timeout: .seconds(5))
        guard failed.load(ordering: .relaxed) == 0 else { throw BenchError("preload: \(failed.load(ordering: .relaxed)) deliveries failed") }
    }

    /// Sends one record, waiting for queue space when librdkafka's queue is full.
    static func send(_ producer: KafkaProducer, _ topic: String, partition: Int32?, key: [UInt8], value: [UInt8]) throws {
        while true {
            do {
                try producer.send(
                    topic: topic, partition: partition.map { KafkaPartition(rawValue: $0) }, key: key, value: value, token: 0)
                return
            } catch {
                guard error.code == .queueFull else { throw error }
                producer.waitForQueueSpace(timeout: .milliseconds(100))
            }
        }
    }

    /// The state directory `startDaemon` gives portraitd (unless the arguments name another with `--state-dir`); a
    /// run's snapshots are tens of MiB, so callers remove it (`removeStateDirectory`) once the daemon has exited.
    static let stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("portrait-bench-\(getpid())").path

    static func removeStateDirectory() { try? FileManager.default.removeItem(atPath: stateDirectory) }

    /// Starts the `portraitd` next to this executable.
    static func startDaemon(bootstrap: String, port: Int, arguments: [String]) throws -> Process {
        let me = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("portraitd")
        process.arguments = ["--brokers", bootstrap, "--http-addr", "127.0.0.1:\(port)", "--status-interval", "0",
                             "--log-level", ProcessInfo.processInfo.environment["BENCH_LOG_LEVEL"] ?? "warning"] + arguments
            // Experiments: extra portraitd flags, e.g. BENCH_PORTRAITD_ARGS="--kafka socket.nagle.disable=false".
            + (ProcessInfo.processInfo.environment["BENCH_PORTRAITD_ARGS"]?.split(separator: " ").map(String.init) ?? [])
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                               "PORTRAIT_STATE_DIR": stateDirectory]
        try process.run()
        return process
    }

    /// Sum of the group's committed offsets over the input topic.
    static func committed(_ consumer: KafkaConsumer, partitions: Int) -> Int {
        let tps = (0..<partitions).map { KafkaTopicPartition(topic: "interactions", partition: KafkaPartition(rawValue: Int32($0))) }
        guard let offsets = try? consumer.committedOffsets(tps, timeout: .seconds(5)) else { return 0 }
        return offsets.values.reduce(0) { $0 + max(0, Int($1.rawValue)) }
    }

    static func get(port: Int, path: String) -> String? {
        LoopbackHTTP.get(port: port, path: path)?.body
    }

    /// Samples `name{labels}` (sum over label sets when `labels` is nil) from Prometheus text.
    static func metric(_ text: String, _ name: String) -> Double {
        text.split(separator: "\n").reduce(0) { total, line in
            guard !line.hasPrefix("#"), line.hasPrefix(name + " ") || line.hasPrefix(name + "{"),
                let value = line.split(separator: " ").last.flatMap({ Double($0) })
            else { return total }
            return total + value
        }
    }

    /// Cumulative histogram buckets (upper bound in seconds → count) of `name`.
    static func buckets(_ text: String, _ name: String) -> [(Double, Double)] {
        text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix(name + "_bucket{le=\""), let close = line.range(of: "\"}") else { return nil }
            let bound = line[line.index(line.startIndex, offsetBy: name.count + 12)..<close.lowerBound]
            guard let count = line.split(separator: " ").last.flatMap({ Double($0) }) else { return nil }
            return (bound == "+Inf" ? .infinity : Double(bound) ?? .infinity, count)
        }
    }

    /// Resident set size and CPU seconds (user + system) of a process, from /proc.
    static func usage(pid: Int32) -> (rssBytes: Int, cpuSeconds: Double) {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let rssKiB = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }?
            .split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let cpu = fields.count > 12 ? ((Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)) / ticks : 0
        return (rssKiB * 1_024, cpu)
    }

    static func freePort() -> Int { LoopbackHTTP.freePort() }

}
