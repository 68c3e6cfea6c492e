import ArgumentParser
import Foundation
import PortraitCore
import PortraitKafka
import PortraitService
import Synchronization

/// `portrait bench restore`: how long portraitd takes to be ready with N profiles, from a local snapshot and
/// from the changelog alone.
struct BenchRestore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restart time of portraitd with N profiles: from local snapshots, and from the profiles changelog.",
        discussion: """
            Builds N users' states in-process (a few synthetic events each), then for each source starts a
            fresh dev broker and portraitd and times start → /readyz 200 with every profile held. Group join on
            the mock adds ~3 s to both; the restore itself is reported from portrait_state_restore_seconds.
            """
    )

    enum Source: String, ExpressibleByArgument, CaseIterable { case snapshot, changelog, both }

    @Option var profiles = 1_000_000
    @Option(name: .customLong("events-per-user")) var eventsPerUser = 3
    @Option var partitions = 64
    @Option var source: Source = .both

    func run() async throws {
        FileHandle.standardError.write(Data("building \(profiles) profiles…\n".utf8))
        let states = await Self.states(profiles: profiles, eventsPerUser: eventsPerUser, partitions: partitions)
        let bytes = states.reduce(0) { $0 + $1.state.count }
        print("portrait bench restore — \(states.count) profiles, \(bytes / max(states.count, 1)) bytes of state each on average, \(partitions) partitions")
        if source != .changelog { try await measure("snapshot", states: states, viaChangelog: false) }
        if source != .snapshot { try await measure("changelog", states: states, viaChangelog: true) }
    }

    private func measure(_ label: String, states: [(userId: String, partition: Int32, state: [UInt8])], viaChangelog: Bool) async throws {
        let broker = try DevBrokerProcess(topics: DaemonBench.topics(partitions: partitions))
        defer { broker.stop() }
        let stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("portrait-restore-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: stateDirectory) }
        if viaChangelog {
            let producer = try KafkaProducer(
                // lz4: the mock keeps only ~5 MiB per partition and silently drops older data.
                configuration: KafkaConfiguration([
                    "bootstrap.servers": broker.bootstrapServers, "linger.ms": "50", "compression.type": "lz4",
                    "batch.num.messages": "10000",
                ]),
                logger: DaemonBench.logger, deliveryReports: { _ in })
            for entry in states {
                while true {
                    do {
                        try producer.send(
                            topic: "portrait.profiles", partition: KafkaPartition(rawValue: entry.partition),
                            key: Array(entry.userId.utf8), value: Array("{}".utf8),
                            headers: [KafkaHeader(key: "portrait.state", value: entry.state)], token: 0)
                        break
                    } catch {
                        guard error.code == .queueFull else { throw error }
                        producer.waitForQueueSpace(timeout: .milliseconds(100))
                    }
                }
            }
            try producer.flush(timeout: .seconds(300))
            producer.close(timeout: .seconds(5))
        } else {
            var byPartition: [Int32: [SnapshotFile.Entry]] = [:]
            for entry in states { byPartition[entry.partition, default: []].append(.init(userId: entry.userId, state: entry.state)) }
            for (partition, entries) in byPartition {
                let header = SnapshotFile.Header(
                    group: "portrait", topic: "portrait.profiles", partition: partition, changelogOffset: 0,
                    createdMs: Int64(Date().timeIntervalSince1970 * 1_000), count: UInt32(entries.count))
                try SnapshotFile.write(
                    SnapshotFile.encode(header: header, entries: entries),
                    to: SnapshotFile.url(directory: stateDirectory, group: "portrait", topic: "portrait.profiles", partition: partition))
            }
        }

        let port = DaemonBench.freePort()
        let started = ContinuousClock.now
        let daemon = try DaemonBench.startDaemon(
            bootstrap: broker.bootstrapServers, port: port, arguments: ["--state-dir", stateDirectory, "--snapshot-interval", "0"])
        defer { if daemon.isRunning { daemon.terminate() } }
        var metrics = ""
        var ready = 0.0
        // Ready with every profile; or ready and no progress for 10 s (the mock dropped part of the changelog):
        // then the time of the last progress is reported with the count actually restored.
        var lastRestored = -1.0
        var lastProgress = ContinuousClock.now
        while true {
            guard daemon.isRunning else { throw BenchError("portraitd exited with \(daemon.terminationStatus)") }
            if DaemonBench.get(port: port, path: "/readyz")?.contains("\"ready\":true") == true {
                metrics = DaemonBench.get(port: port, path: "/metrics") ?? ""
                let restored = DaemonBench.metric(metrics, "portrait_profiles_restored_total")
                if restored != lastRestored {
                    lastRestored = restored
                    lastProgress = .now
                    ready = (.now - started).inSeconds
                }
                if restored >= Double(states.count) { break }
                if ContinuousClock.now - lastProgress > .seconds(10) {
                    FileHandle.standardError.write(Data("only \(Int(restored)) of \(states.count) restored (the mock dropped the rest)\n".utf8))
                    break
                }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let restore = DaemonBench.metric(metrics, "portrait_state_restore_seconds_sum")
        let usage = DaemonBench.usage(pid: daemon.processIdentifier)
        daemon.terminate()
        daemon.waitUntilExit()
        print(String(
            format: "  from %-9@  ready after %6.2f s (restore %6.2f s summed over partitions), %.0f profiles restored, RSS %.0f MiB",
            label, ready, restore, DaemonBench.metric(metrics, "portrait_profiles_restored_total"),
            Double(usage.rssBytes) / 1_048_576))
    }

    /// N users' encoded states from a real engine, each user in partition `index % partitions`.
    static func states(profiles: Int, eventsPerUser: Int, partitions: Int) async -> [(userId: String, partition: Int32, state: [UInt8])] {
        let (engine, _) = EngineBenchmark.engine(shards: 2, emitIntervalMs: 3_600_000)
        var random = SplitMix64(seed: 5)
        let start = Int64(Date().timeIntervalSince1970 * 1_000) - 86_400_000
        var part: [PositionedInteraction] = []
        part.reserveCapacity(20_000)
        var offsets = [Int64](repeating: 0, count: partitions)
        for user in 0..<profiles {
            let partition = user % partitions
            for index in 0..<eventsPerUser {
                let event = Interaction(
                    userId: "u\(user)", itemId: "v\(random.nextInt(below: 50_000))", type: .view,
                    timestamp: start + Int64(index * 60_000 + random.nextInt(below: 60_000)),
                    watchMs: 5_000, durationMs: 10_000, tags: ["tag\(random.nextInt(below: 5_000))", "tag\(random.nextInt(below: 50))"],
                    authorId: "a\(random.nextInt(below: 2_000))", country: "BR", device: "android", lang: "pt")
                part.append(PositionedInteraction(event: event, position: InputPosition(partition: Int32(partition), offset: offsets[partition])))
                offsets[partition] += 1
            }
            if part.count >= 20_000 {
                engine.submit(part, token: 0)
                part.removeAll(keepingCapacity: true)
                // Wait for every shard (not just u0's): no shard's queue grows unbounded behind the others.
                await engine.barrier()
            }
        }
        engine.submit(part, token: 0)
        return await engine.snapshot(partitions: Set((0..<partitions).map { Int32($0) }))
    }
}
