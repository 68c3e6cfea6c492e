import ArgumentParser
import Foundation
import PortraitKafka
import PortraitService

/// `portrait bench e2e`: portraitd end to end against `kcat -C` reading the same input, in one run; and against
/// `kcat -G`, which joins a new consumer group as portraitd does.
struct BenchE2E: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "portraitd end to end (start → every input offset committed, every output delivered) vs kcat -C.",
        discussion: """
            A fresh dev broker per run; the input is preloaded (64 partitions keep each under the mock's
            ~5 MiB per-partition cap). portraitd runs with the default emit interval; offsets are committed
            every 50 ms and polled every 20 ms, so the end is seen within ~70 ms (committed offsets imply every
            output was acknowledged; at 200 ms and 50 ms, until 2026-11-30, a timeline showed ~0.35 s of it).
            With --runs N, N such runs (each on its own broker) and the medians of their ratios: on a shared
            machine a single run's ratio swings by ±20 %.

            A consumer that subscribes waits for the group join first: a new group's first join is held for
            the broker's group.initial.rebalance.delay.ms (3 s by default; the mock fixes 3 s). kcat -C assigns
            its partitions and does not wait, so the run also times kcat -G reading the same input as a member
            of a new group, and shows portraitd's rate after its join.
            """
    )

    @Option var events = 1_000_000
    @Option var partitions = 64
    @Option var users = 100_000
    @Option var items = 20_000
    @Option(name: .customLong("emit-interval-ms")) var emitIntervalMs = 1_000
    @Option var workers: Int?
    @Option(help: "kcat executable.") var kcat = "kcat"
    @Option(help: "Runs, each on a fresh broker; more than one prints the medians.") var runs = 1

    /// What one run measured.
    struct Outcome {
        var ratio: Double
        var afterJoinRatio: Double
        /// Both from start, both joining a new consumer group.
        var groupRatio: Double
        var cpuMicrosPerEvent: Double
    }

    func run() throws {
        var outcomes: [Outcome] = []
        for _ in 0..<max(1, runs) { outcomes.append(try runOnce()) }
        guard outcomes.count > 1 else { return }
        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            let middle = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        }
        func list(_ values: [Double], _ format: String) -> String {
            values.map { String(format: format, $0) }.joined(separator: ", ")
        }
        let afterJoin = outcomes.map(\.afterJoinRatio), fromStart = outcomes.map(\.ratio)
        let group = outcomes.map(\.groupRatio)
        let cpu = outcomes.map(\.cpuMicrosPerEvent)
        print("""
            \(outcomes.count) runs
              after the group join, × kcat      median \(String(format: "%.2f", median(afterJoin))) (\(list(afterJoin, "%.2f")))
              start → all committed, × kcat     median \(String(format: "%.2f", median(fromStart))) (\(list(fromStart, "%.2f")))
              start → all committed, × kcat -G  median \(String(format: "%.2f", median(group))) (\(list(group, "%.2f")))
              portraitd CPU, µs/event           median \(String(format: "%.2f", median(cpu))) (\(list(cpu, "%.2f")))
            """)
    }

    private func runOnce() throws -> Outcome {
        let broker = try DevBrokerProcess(topics: DaemonBench.topics(partitions: partitions))
        defer { broker.stop() }
        let bootstrap = broker.bootstrapServers
        FileHandle.standardError.write(Data("preloading \(events) events into \(partitions) partitions…\n".utf8))
        try DaemonBench.preload(bootstrap: bootstrap, events: events, users: users, items: items, partitions: partitions)

        let kcatStart = ContinuousClock.now
        let (kcatCount, _) = try KafkaBenchRunner.runKcatConsumer(kcat: kcat, bootstrap: bootstrap, topic: "interactions")
        let kcatSeconds = (.now - kcatStart).inSeconds
        guard kcatCount == events else { throw BenchError("kcat read \(kcatCount) of \(events)") }
        let groupStart = ContinuousClock.now
        let (groupCount, _) = try KafkaBenchRunner.runKcatConsumer(
            kcat: kcat, bootstrap: bootstrap, topic: "interactions", group: ("bench-kcat", events))
        let groupSeconds = (.now - groupStart).inSeconds
        guard groupCount == events else { throw BenchError("kcat -G read \(groupCount) of \(events)") }

        let port = DaemonBench.freePort()
        var arguments = ["--emit-interval-ms", String(emitIntervalMs), "--commit-interval-ms", "50"]
        if let workers { arguments += ["--workers", String(workers)] }
        let started = ContinuousClock.now
        let daemon = try DaemonBench.startDaemon(bootstrap: bootstrap, port: port, arguments: arguments)
        defer {
            if daemon.isRunning {
                daemon.terminate()
                daemon.waitUntilExit()
            }
            DaemonBench.removeStateDirectory()
        }
        let offsets = try KafkaConsumer(
            configuration: KafkaConfiguration(["bootstrap.servers": bootstrap, "group.id": "portrait"]),
            logger: DaemonBench.logger)
        defer { try? offsets.close() }
        var peakRSS = 0
        var assigned: ContinuousClock.Instant?
        while DaemonBench.committed(offsets, partitions: partitions) < events {
            guard daemon.isRunning else { throw BenchError("portraitd exited with \(daemon.terminationStatus)") }
            peakRSS = max(peakRSS, DaemonBench.usage(pid: daemon.processIdentifier).rssBytes)
            if assigned == nil,
                DaemonBench.metric(DaemonBench.get(port: port, path: "/metrics") ?? "", "portrait_partitions_assigned") > 0
            {
                assigned = .now
            }
            usleep(20_000)
        }
        let daemonSeconds = (.now - started).inSeconds
        let usage = DaemonBench.usage(pid: daemon.processIdentifier)
        let metrics = DaemonBench.get(port: port, path: "/metrics") ?? ""
        let profiles = DaemonBench.metric(metrics, "portrait_profiles_active")
        let published = DaemonBench.metric(metrics, "portrait_outputs_published_total")
        daemon.terminate()
        daemon.waitUntilExit()

        let kcatRate = Double(events) / kcatSeconds
        let groupRate = Double(events) / groupSeconds
        let daemonRate = Double(events) / daemonSeconds
        // The group join (on the mock a fixed 3 s for a new group, like Kafka's group.initial.rebalance.delay.ms)
        // is part of the daemon's start; this line shows the pipeline's own rate after it (±50 ms of polling).
        let joinSeconds = assigned.map { ($0 - started).inSeconds } ?? 0
        let afterJoinRate = Double(events) / max(daemonSeconds - joinSeconds, 1e-3)
        print("""
            portrait bench e2e — \(events) events, \(partitions) partitions, \(users) users, emit interval \(emitIntervalMs) ms
              kcat -C (same input)           \(String(format: "%10.0f", kcatRate)) events/s  (\(String(format: "%.2f", kcatSeconds)) s)
              portraitd start → all committed \(String(format: "%10.0f", daemonRate)) events/s  (\(String(format: "%.2f", daemonSeconds)) s, incl. start-up and group join)
              ratio portraitd / kcat          \(String(format: "%10.2f", daemonRate / kcatRate))×
              kcat -G (a new group)           \(String(format: "%10.0f", groupRate)) events/s  (\(String(format: "%.2f", groupSeconds)) s, incl. its group join)
              ratio portraitd / kcat -G       \(String(format: "%10.2f", daemonRate / groupRate))×  (both from start, both joining)
              after the group join            \(String(format: "%10.0f", afterJoinRate)) events/s  (partitions assigned after \(String(format: "%.2f", joinSeconds)) s; \(String(format: "%.2f", afterJoinRate / kcatRate))× kcat)
              portraitd CPU                   \(String(format: "%10.2f", usage.cpuSeconds * 1e6 / Double(events))) µs/event (\(String(format: "%.1f", usage.cpuSeconds)) s)
              outputs published               \(String(format: "%10.0f", published)) (profiles + recommendations)
              profiles held                   \(String(format: "%10.0f", profiles))
              RSS                             \(String(format: "%10.1f", Double(usage.rssBytes) / 1_048_576)) MiB (peak \(String(format: "%.1f", Double(peakRSS) / 1_048_576)) MiB), \(String(format: "%.0f", Double(usage.rssBytes) / max(profiles, 1))) bytes per profile (whole process)
              portraitd exit status           \(daemon.terminationStatus)
            """)
        return Outcome(
            ratio: daemonRate / kcatRate, afterJoinRatio: afterJoinRate / kcatRate, groupRatio: daemonRate / groupRate,
            cpuMicrosPerEvent: usage.cpuSeconds * 1e6 / Double(events))
    }
}
