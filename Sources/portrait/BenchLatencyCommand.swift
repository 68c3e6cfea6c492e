import ArgumentParser
import Foundation
import PortraitCore
import PortraitKafka
import PortraitService
import Synchronization

/// `portrait bench latency`: portraitd at a steady input rate; percentiles of broker timestamp → output delivered.
struct BenchLatency: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latency",
        abstract: "Steady-rate latency: input broker timestamp → output delivered (portraitd's own histogram).",
        discussion: """
            portraitd runs with --emit-interval-ms 0 and fetch.wait.max.ms=1 (the mock broker holds an empty
            fetch for the full wait: there it is a polling interval); both producers linger 5 ms by default
            (portraitd's own default). The mock walks a partition's message sets linearly on every fetch, so
            unbatched input (linger 0: one message set per event) makes the broker, not portraitd, the
            bottleneck within seconds. The first --warmup seconds are left out: the histogram is read
            before and after the measured window.
            """
    )

    @Option var rate = 5_000
    @Option var seconds = 20
    @Option var warmup = 3
    @Option var partitions = 4
    @Option var users = 20_000
    @Option(help: "linger.ms of portraitd's producer (its default is 5; 0 sends every record as its own request).")
    var daemonLingerMs = 5
    @Option(help: "linger.ms of the bench's input producer (batches as real producers do; each batch is one message set the mock scans on every fetch).")
    var producerLingerMs = 5
    @Flag(help: "Instead of portraitd, measure the same two hops with nothing in between (consumer → producer copying each record, the daemon's client settings): the floor under portraitd's figures on this machine and broker.")
    var relay = false

    func run() throws {
        let broker = try DevBrokerProcess(topics: DaemonBench.topics(partitions: partitions) + ["interactions.relay:\(partitions)"])
        defer { broker.stop() }
        let bootstrap = broker.bootstrapServers
        if relay {
            let probe = try RelayLatencyProbe(
                bootstrap: bootstrap, topic: "interactions", lingerMs: daemonLingerMs, logger: DaemonBench.logger)
            try probe.start(topic: "interactions")
            let failed = try drive(bootstrap: bootstrap) { probe.beginRecording() }
            usleep(500_000)
            let samples = probe.stop().sorted()
            guard !samples.isEmpty else { throw BenchError("no latency samples") }
            func percentile(_ p: Double) -> String {
                String(format: "%.1f ms", samples[min(samples.count - 1, Int(p * Double(samples.count)))] * 1_000)
            }
            print("""
                portrait bench latency --relay — \(rate) events/s for \(seconds) s (after \(warmup) s warm-up), \(partitions) partitions
                  consumer → producer copy, fetch.wait.max.ms=1, linger.ms \(daemonLingerMs) (relay) / \(producerLingerMs) (input); samples: \(samples.count) records
                  broker timestamp → copy delivered: p50 \(percentile(0.5)), p90 \(percentile(0.9)), p99 \(percentile(0.99)), p99.9 \(percentile(0.999))
                  input delivery failures \(failed)
                """)
            return
        }
        let port = DaemonBench.freePort()
        let daemon = try DaemonBench.startDaemon(
            bootstrap: bootstrap, port: port,
            arguments: ["--emit-interval-ms", "0", "--kafka", "fetch.wait.max.ms=1", "--kafka", "linger.ms=\(daemonLingerMs)"]
        )
        defer {
            if daemon.isRunning {
                daemon.terminate()
                daemon.waitUntilExit()
            }
            DaemonBench.removeStateDirectory()
        }
        while DaemonBench.get(port: port, path: "/readyz")?.contains("\"ready\":true") != true {
            guard daemon.isRunning else { throw BenchError("portraitd exited with \(daemon.terminationStatus)") }
            usleep(100_000)
        }

        var before: [(Double, Double)] = []
        let cpuBefore = DaemonBench.usage(pid: daemon.processIdentifier).cpuSeconds
        let total = rate * (seconds + warmup)
        let failed = try drive(bootstrap: bootstrap) {
            before = DaemonBench.buckets(DaemonBench.get(port: port, path: "/metrics") ?? "", "portrait_end_to_end_latency_seconds")
        }
        let metrics = DaemonBench.get(port: port, path: "/metrics") ?? ""
        let after = DaemonBench.buckets(metrics, "portrait_end_to_end_latency_seconds")
        let cpu = DaemonBench.usage(pid: daemon.processIdentifier).cpuSeconds - cpuBefore
        daemon.terminate()
        daemon.waitUntilExit()

        let window = zip(after, before.isEmpty ? after.map { ($0.0, 0) } : before).map { ($0.0.0, $0.0.1 - $0.1.1) }
        guard let count = window.last?.1, count > 0 else { throw BenchError("no latency samples") }
        func percentile(_ p: Double) -> String {
            let target = p * count
            var previous = (0.0, 0.0)
            for (bound, cumulative) in window {
                if cumulative >= target {
                    guard bound.isFinite else { return "> \(previous.0 * 1_000) ms" }
                    let share = cumulative > previous.1 ? (target - previous.1) / (cumulative - previous.1) : 1
                    return String(format: "%.1f ms", (previous.0 + (bound - previous.0) * share) * 1_000)
                }
                previous = (bound, cumulative)
            }
            return "?"
        }
        print("""
            portrait bench latency — \(rate) events/s for \(seconds) s (after \(warmup) s warm-up), \(partitions) partitions
              emit interval 0, fetch.wait.max.ms=1, linger.ms \(daemonLingerMs) (portraitd) / \(producerLingerMs) (input); samples: \(Int(count)) records
              broker timestamp → output delivered: p50 \(percentile(0.5)), p90 \(percentile(0.9)), p99 \(percentile(0.99)), p99.9 \(percentile(0.999))
              portraitd CPU \(String(format: "%.1f", cpu * 1e6 / Double(total))) µs/event; delivery failures \(failed)
            """)
    }

    /// Produces `rate` events/s for `warmup + seconds` seconds (calling `warmedUp` at the end of the warm-up),
    /// flushes, and returns the count of failed deliveries.
    private func drive(bootstrap: String, warmedUp: () -> Void) throws -> Int {
        let failed = Atomic<Int>(0)
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration([
                "bootstrap.servers": bootstrap, "linger.ms": String(producerLingerMs), "socket.nagle.disable": "true",
            ]),
            logger: DaemonBench.logger
        ) { reports in failed.add(reports.filter { $0.error != nil }.count, ordering: .relaxed) }
        var traffic = SyntheticTraffic(
            options: .init(users: users, seed: 11, startMs: Int64(Date().timeIntervalSince1970 * 1_000),
                           eventTimeStepMs: 1_000 / Double(rate))
        )
        var key: [UInt8] = []
        var value: [UInt8] = []
        let total = rate * (seconds + warmup)
        let start = ContinuousClock.now
        for index in 0..<total {
            if index == rate * warmup { warmedUp() }
            key.removeAll(keepingCapacity: true)
            value.removeAll(keepingCapacity: true)
            traffic.appendEvent(value: &value, key: &key)
            try producer.send(topic: "interactions", partition: nil, key: key, value: value, token: 0)
            let due = start + .nanoseconds(Int64(Double(index + 1) / Double(rate) * 1e9))
            let wait = due - .now
            if wait > .zero { usleep(UInt32(max(0, wait.inSeconds * 1e6))) }
        }
        try producer.flush(timeout: .seconds(30))
        producer.close(timeout: .seconds(1))
        usleep(500_000)
        return failed.load(ordering: .relaxed)
    }
}
