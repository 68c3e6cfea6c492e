import Foundation
import PortraitCore
import PortraitService
import Synchronization

/// The measurements behind `portrait bench engine`: decode + apply + emission through a real
/// `ProfileEngine`, memory per profile from RSS, heavy users, and shard scaling.
enum EngineBenchmark {
    /// Counts what the engine emits and throws the bytes away.
    final class CountingSink: EmissionSink {
        let counts = Mutex((rounds: 0, emissions: 0, bytes: 0, tokens: 0, stateBytes: 0))
        /// The engine's high-water state, for a submitter that waits as the daemon's consumer does.
        let backpressure = EngineBackpressure()
        func emit(_ round: EmissionRound) {
            let bytes = round.emissions.reduce(0) { $0 + $1.profile.count + $1.recommendations.count }
            let stateBytes = round.emissions.reduce(0) { $0 + $1.state.count }
            counts.withLock {
                $0.rounds += 1
                $0.emissions += round.emissions.count
                $0.bytes += bytes
                $0.tokens += round.tokens.count
                $0.stateBytes += stateBytes
            }
        }
        func backpressureChanged(overHighWater: Bool) { backpressure.set(overHighWater: overHighWater) }
        func evicted(userId: String, partition: Int32, state: [UInt8]) {}
    }

    /// Engines of the memory runs, kept alive so their memory is not reused by the next run.
    static let retained = Mutex<[ProfileEngine]>([])

    struct Run {
        var events: Int
        var wallSeconds: Double
        var cpuSeconds: Double
        /// CPU until every event was applied, before the final flush rendered anyone (decode + apply + the
        /// emission bookkeeping: dirty users, versions, timer rounds).
        var cpuSecondsBeforeFlush: Double = 0
        var statistics: EngineStatistics
        var rssDeltaBytes: Int
        var sink: CountingSink
        var memory = ProfileMemoryBreakdown()

        var eventsPerSecond: Double { Double(events) / wallSeconds }
        var cpuMicrosPerEvent: Double { cpuSeconds * 1e6 / Double(max(events, 1)) }
    }

    static func engine(shards: Int, emitIntervalMs: Int = 1_000, bounded: Bool = false) -> (ProfileEngine, CountingSink) {
        var configuration = EngineConfiguration()
        configuration.shardCount = shards
        configuration.emitIntervalMs = emitIntervalMs
        if !bounded { configuration.shardHighWaterEvents = .max / 2 }
        let sink = CountingSink()
        let engine = ProfileEngine(
            configuration: configuration, catalog: ItemCatalog(configuration: configuration), sink: sink,
            clock: { Int64(Date().timeIntervalSince1970 * 1_000) })
        return (engine, sink)
    }

    /// Decodes each value with `InteractionDecoder` on the calling thread and submits batches of the daemon's
    /// largest poll, waiting while the shards are over their (default) high-water mark as the daemon's consumer
    /// does (unbounded, the decoding thread ran up to the whole input ahead of the shard).
    ///
    /// No timer round runs before the final flush (the interval is an hour), so the CPU taken until every event is
    /// applied is decode + apply + the emission bookkeeping (dirty users, versions) alone, as the report says; with
    /// the default 1 s interval the run (~4 s) rendered about 30,000 users in timer rounds before that point.
    static func decodeAndApply(values: [[UInt8]], nowMs: Int64, shards: Int, batch: Int = 8_192) async -> Run {
        let (engine, sink) = engine(shards: shards, emitIntervalMs: 3_600_000, bounded: true)
        let decoder = InteractionDecoder()
        let values = ContiguousValues(values)
        let rssBefore = residentBytes()
        let cpuBefore = cpuSeconds()
        let start = ContinuousClock.now
        var part = InteractionBatch()
        part.reserveCapacity(batch)
        var token: UInt64 = 0
        values.forEach { offset, value in
            let position = InputPosition(partition: 0, offset: Int64(offset))
            _ = decoder.decode(value, nowMs: nowMs, position: position, appendingTo: &part)
            if part.count == batch {
                engine.submit(part, token: token)
                token += 1
                part.removeAll(keepingCapacity: true)
                while !sink.backpressure.waitUntilUnder(timeout: .seconds(1)) {}
            }
        }
        engine.submit(part, token: token)
        await engine.barrier()
        let cpuBeforeFlush = cpuSeconds() - cpuBefore
        await engine.flush(partitions: nil)
        let wall = (ContinuousClock.now - start).inSeconds
        var run = Run(
            events: values.count, wallSeconds: wall, cpuSeconds: cpuSeconds() - cpuBefore,
            cpuSecondsBeforeFlush: cpuBeforeFlush, statistics: engine.statistics(),
            rssDeltaBytes: residentBytes() - rssBefore, sink: sink)
        run.memory = await engine.memoryBreakdown()
        await engine.shutdown()
        return run
    }

    /// Applies pre-decoded batches (the submitting thread does little), to compare shard counts.
    static func applyOnly(batches: [InteractionBatch], shards: Int, emitIntervalMs: Int = 1_000) async -> Run {
        let (engine, sink) = engine(shards: shards, emitIntervalMs: emitIntervalMs)
        let cpuBefore = cpuSeconds()
        let start = ContinuousClock.now
        for (token, batch) in batches.enumerated() { engine.submit(batch, token: UInt64(token)) }
        while engine.statistics().inFlightPerShard.contains(where: { $0 > 0 }) {
            try? await Task.sleep(for: .milliseconds(1))
        }
        let appliedWall = (ContinuousClock.now - start).inSeconds
        let appliedCPU = cpuSeconds() - cpuBefore
        let appliedRecords = sink.counts.withLock { $0.emissions }
        await engine.flush(partitions: nil)
        let wall = (ContinuousClock.now - start).inSeconds
        let records = sink.counts.withLock { $0.emissions }
        let flushCPU = cpuSeconds() - cpuBefore - appliedCPU
        print("    \(shards) shard(s): all applied after \(String(format: "%.2f", appliedWall)) s "
            + "(\(String(format: "%.2f", appliedCPU)) CPU-s, \(appliedRecords) records rendered by timer rounds so far); "
            + "final flush rendered \(records - appliedRecords) records in \(String(format: "%.2f", flushCPU)) CPU-s "
            + "(\(String(format: "%.1f", flushCPU * 1e6 / Double(max(records - appliedRecords, 1)))) µs/record)")
        let run = Run(
            events: batches.reduce(0) { $0 + $1.count }, wallSeconds: wall, cpuSeconds: cpuSeconds() - cpuBefore,
            statistics: engine.statistics(), rssDeltaBytes: 0, sink: sink)
        await engine.shutdown()
        return run
    }

    /// `users` profiles of `eventsPerUser` events each, built directly; returns RSS delta per profile.
    static func manyProfiles(users: Int, eventsPerUser: Int, tags: Int = 5_000, days: Int64 = 1, flush: Bool) async
        -> (rssPerProfile: Double, estimatedPerProfile: Double, estimatedAfterRound: Double?, statistics: EngineStatistics)
    {
        let (engine, _) = engine(shards: 1, emitIntervalMs: 3_600_000)
        var random = SplitMix64(seed: 99)
        let start: Int64 = 1_732_896_000_000
        let span = days * 86_400_000
        let rssBefore = residentBytes()
        var part: [PositionedInteraction] = []
        part.reserveCapacity(10_000)
        for user in 0..<users {
            for index in 0..<eventsPerUser {
                let ts = start + Int64(index) * span / Int64(max(eventsPerUser, 1)) + Int64(random.nextInt(below: 1_000))
                let tagCount = 1 + random.nextInt(below: 3)
                let item = eventsPerUser > 100 ? index : random.nextInt(below: 50_000)
                let event = Interaction(
                    userId: "u\(user)", itemId: "v\(item)",
                    type: EventType.allCases[random.nextInt(below: 5)], timestamp: ts,
                    tags: (0..<tagCount).map { _ in "tag\(random.nextInt(below: tags))" },
                    authorId: "a\(random.nextInt(below: 2_000))", country: "BR", device: "android", lang: "pt")
                part.append(PositionedInteraction(event: event, position: InputPosition(partition: 0, offset: Int64(index))))
                if part.count == 10_000 {
                    engine.submit(part, token: 0)
                    part.removeAll(keepingCapacity: true)
                    // Wait for the shard (a query is a barrier) so queued events do not inflate RSS.
                    _ = await engine.profileJSON(userId: "u0", at: nil)
                }
            }
        }
        engine.submit(part, token: 0)
        // A query on the single shard is a barrier: everything before it is applied. No round is
        // cut, so RSS holds profiles (plus catalog and interner), not rendered records.
        _ = await engine.profileJSON(userId: "u0", at: nil)
        let statistics = engine.statistics()
        let rss = Double(residentBytes() - rssBefore) / Double(max(statistics.profiles, 1))
        let estimate = Double(statistics.profileBytes) / Double(max(statistics.profiles, 1))
        var afterRound: Double?
        if flush {
            // Emission compacts each emitted profile (array slack given back), as in steady state.
            await engine.flush(partitions: nil)
            afterRound = Double(engine.statistics().profileBytes) / Double(max(statistics.profiles, 1))
        }
        retained.withLock { $0.append(engine) }  // kept alive, so later runs do not reuse its memory
        return (rss, estimate, afterRound, statistics)
    }


    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
    }

    /// Resident set size from `/proc/self/statm` (0 where unavailable).
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
