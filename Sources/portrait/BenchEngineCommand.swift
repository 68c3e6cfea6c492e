import ArgumentParser
import Foundation
import PortraitCore
import Synchronization

/// `portrait bench engine`: the engine's throughput, memory and scaling on synthetic traffic.
struct BenchEngine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Decode + apply + emission on synthetic events; bytes per profile; 2 shards vs 1."
    )

    @Option(help: "Number of synthetic events.") var events = 1_000_000
    @Option(help: "Synthetic users (Zipf activity).") var users = 100_000
    @Option(help: "Seed of the synthetic traffic.") var seed: UInt64 = 42
    @Option(help: "Events given to Foundation's JSONDecoder (it is slow).") var foundationEvents = 100_000
    @Option(help: "Profiles of the large-population memory run (0 skips it).") var profiles = 1_000_000
    @Flag(help: "Skip the decode-only comparison with Foundation.") var skipDecode = false
    @Flag(help: "Only the memory runs.") var memoryOnly = false
    @Flag(help: "Only snapshot and batch restore: 100,000 profiles of 10 events, restored 10 times over.")
    var durability = false
    @Flag(help: "Only apply (pre-decoded, no rounds until the final flush), 1 and 2 shards.") var applyOnly = false
    @Flag(help: "Only the decode + apply + emission run (1 shard), repeated --repeat times: the per-core bar's figure.")
    var decodeApplyOnly = false
    @Option(help: "With --decode-apply-only: runs, each on a fresh engine.") var `repeat` = 3
    @Flag(help: "Only the rendering run: CPU per emitted profile + recommendations pair.") var renderOnly = false
    @Option(help: "Synthetic catalog items upserted before the rendering run.") var catalogItems = 0
    @Option(help: "With --render-only: rounds of this many events (as with emit_interval_ms = 0) instead of one flush.")
    var roundSize: Int?
    @Option(help: "With --round-size: events of the tiny-round phase (the rest warm up).") var measuredEvents = 100_000

    func validate() throws {
        guard `repeat` >= 1 else { throw ValidationError("--repeat must be at least 1") }
    }

    func run() async throws {
        if durability {
            for shards in [1, 2] {
                print(await DurabilityBenchmark.run(users: 100_000, eventsPerUser: 10, copies: 10, shards: shards))
            }
            return
        }
        var traffic = SyntheticTraffic(options: .init(users: users, seed: seed))
        var values: [[UInt8]] = []
        values.reserveCapacity(events)
        for _ in 0..<events {
            var value: [UInt8] = []
            value.reserveCapacity(256)
            _ = traffic.appendEvent(to: &value)
            values.append(value)
        }
        let nowMs = traffic.currentEventTimeMs
        let averageBytes = values.reduce(0) { $0 + $1.count } / max(values.count, 1)
        print("engine benchmark: \(events) events, \(users) users (Zipf), \(averageBytes) bytes average, "
            + "\(ProcessInfo.processInfo.activeProcessorCount) cores")

        if applyOnly {
            let batches = Self.batches(values: values, nowMs: nowMs)
            for shards in [1, 2] {
                let run = await EngineBenchmark.applyOnly(batches: batches, shards: shards, emitIntervalMs: 3_600_000)
                print("apply only, \(shards) shard(s): \(k(run.eventsPerSecond)) events/s wall incl. final flush, "
                    + "profiles \(run.statistics.profiles), estimate \(run.statistics.profileBytes / max(run.statistics.profiles, 1)) bytes/profile")
            }
            return
        }
        if decodeApplyOnly {
            var perEvent: [Double] = []
            for _ in 0..<`repeat` {
                let run = await EngineBenchmark.decodeAndApply(values: values, nowMs: nowMs, shards: 1)
                let micros = run.cpuSecondsBeforeFlush * 1e6 / Double(max(run.events, 1))
                perEvent.append(micros)
                print("decode + apply + emission bookkeeping, 1 shard: CPU \(f(micros, 3)) µs/event "
                    + "(= \(k(1e6 / micros)) events/s per core), \(run.statistics.profiles) profiles")
            }
            let median = perEvent.sorted()[perEvent.count / 2]
            print("median of \(perEvent.count): CPU \(f(median, 3)) µs/event (= \(k(1e6 / median)) events/s per core)")
            return
        }
        if renderOnly {
            let items = (0..<catalogItems).map { traffic.catalogItem($0) }
            if let roundSize {
                let rounds = await RenderBenchmark.runRounds(
                    values: values, nowMs: nowMs, catalogItems: items, roundSize: roundSize, measured: measuredEvents)
                print("render in rounds of \(rounds.roundSize) event(s): \(rounds.rounds) rounds, \(rounds.pairs) pairs; "
                    + "\(f(rounds.cpuWithRounds, 3)) CPU-s with rounds − \(f(rounds.cpuApplyOnly, 3)) CPU-s apply only = "
                    + "\(f(rounds.cpuMicrosPerPair, 2)) CPU-µs per pair (\(f(Double(rounds.pairs) / Double(max(rounds.rounds, 1)), 2)) pairs per round)")
                return
            }
            let render = await RenderBenchmark.run(values: values, nowMs: nowMs, catalogItems: items)
            print("render: \(render.records) profile+recommendations pairs in \(f(render.cpuSeconds, 3)) CPU-s = "
                + "\(f(render.cpuMicrosPerRecord, 2)) CPU-µs per pair (\(render.recordBytes / max(render.records, 1)) "
                + "bytes of JSON, \(render.stateBytes / max(render.records, 1)) bytes of state each)")
            return
        }

        // Memory first, in a clean heap: later runs free memory that RSS deltas would then miss.
        let heavy = await EngineBenchmark.manyProfiles(users: 200, eventsPerUser: 1_000, tags: 400, days: 7, flush: true)
        print("heavy users (1,000 events over 7 days, ≥256 tags, 1,000 seen items): "
            + "estimate \(Int(heavy.estimatedPerProfile)) bytes/profile, after a round "
            + "\(Int(heavy.estimatedAfterRound ?? 0)) (RSS delta of 200 profiles is dominated by fixed costs)")
        for eventsPerUser in [1, 10] where profiles > 0 {
            let many = await EngineBenchmark.manyProfiles(
                users: profiles / eventsPerUser, eventsPerUser: eventsPerUser, flush: eventsPerUser > 1)
            print("\(many.statistics.profiles) profiles × \(eventsPerUser) events: RSS \(Int(many.rssPerProfile)) "
                + "bytes/profile (index, catalog, interner included), estimate \(Int(many.estimatedPerProfile)) "
                + "bytes/profile" + (many.estimatedAfterRound.map { ", after a round \(Int($0))" } ?? ""))
        }
        if memoryOnly { return }

        if !skipDecode {
            print(DecodeBenchmark.run(events: values, nowMs: nowMs, rounds: 2, foundationLimit: foundationEvents))
        }

        let single = await EngineBenchmark.decodeAndApply(values: values, nowMs: nowMs, shards: 1)
        let counts = single.sink.counts.withLock { $0 }
        print("decode + apply + emission, 1 shard: \(k(single.eventsPerSecond)) events/s wall, "
            + "CPU \(f(single.cpuMicrosPerEvent, 3)) µs/event (= \(k(1e6 / single.cpuMicrosPerEvent)) events/s per core)")
        let bookkeeping = single.cpuSecondsBeforeFlush * 1e6 / Double(max(single.events, 1))
        print("  of which decode + apply + emission bookkeeping (every event applied, nobody rendered yet): "
            + "CPU \(f(bookkeeping, 3)) µs/event (= \(k(1e6 / bookkeeping)) events/s per core); "
            + "the final flush rendered each user once")
        print("  \(single.statistics.profiles) profiles, \(counts.rounds) rounds, \(counts.emissions) records "
            + "(\(counts.bytes / max(counts.emissions, 1)) bytes profile+recs each), "
            + "\(single.statistics.duplicatesSkipped) duplicates")
        print("  memory: RSS delta \(single.rssDeltaBytes / max(single.statistics.profiles, 1)) bytes/profile "
            + "(catalog and interner included), estimate \(single.statistics.profileBytes / max(single.statistics.profiles, 1)) bytes/profile")
        let memory = single.memory, n = max(memory.profiles, 1)
        func per(_ part: Int, _ count: Int, _ unit: String) -> String {
            "\(part / n) (\(f(Double(count) / Double(n), 1)) \(unit))"
        }
        let parts = [
            "fixed \(memory.fixed / n)", "header \(memory.header / n)", "slack \(memory.slack / n)",
            "scores " + per(memory.scores, memory.scoreEntries, "entries"),
            "seen " + per(memory.seen, memory.seenItems, "items"),
            "windows " + per(memory.windows, memory.windowEntries, "entries"), "other \(memory.other / n)",
        ]
        print("  estimate by part, bytes/profile: " + parts.joined(separator: ", "))

        // Scaling: pre-decoded batches so the submitting thread is not the bottleneck.
        var batches = Self.batches(values: values, nowMs: nowMs)
        values = []
        // Alternating pairs: on a shared machine one pair's ratio swings with whatever else runs.
        var ratios: [Double] = []
        for pair in 1...3 {
            let one = await EngineBenchmark.applyOnly(batches: batches, shards: 1)
            let two = await EngineBenchmark.applyOnly(batches: batches, shards: 2)
            let ratio = two.eventsPerSecond / one.eventsPerSecond
            ratios.append(ratio)
            let applied = two.statistics.appliedPerShard, busy = two.statistics.busySecondsPerShard
            let share = Double(applied.max() ?? 0) / Double(max(applied.reduce(0, +), 1))
            print("pair \(pair): apply + emission (pre-decoded): 1 shard \(k(one.eventsPerSecond)) events/s "
                + "(CPU \(f(one.cpuMicrosPerEvent, 3)) µs/event, shard busy \(f(one.statistics.busySecondsPerShard.reduce(0, +), 2)) CPU-s), "
                + "2 shards \(k(two.eventsPerSecond)) events/s (CPU \(f(two.cpuMicrosPerEvent, 3)) µs/event): ratio \(f(ratio, 2))×")
            print("  2 shards: events \(applied.map(String.init).joined(separator: " / ")) (largest share \(f(share * 100, 1)) %: "
                + "an even split of the work would allow at most \(f(1 / max(share, 0.5), 2))×), busy "
                + busy.map { f($0, 2) }.joined(separator: " / ") + " CPU-s")
        }
        print("2 shards vs 1: median \(f(ratios.sorted()[ratios.count / 2], 2))× (pairs: "
            + ratios.map { f($0, 2) }.joined(separator: ", ") + ")")
        print("  two threads of fixed integer work vs one, measured now: \(f(ParallelismProbe.ratio(), 2))× "
            + "(what this machine's second core gives at the moment; 2.00 when both are free)")
        batches = []

    }

    static func batches(values: [[UInt8]], nowMs: Int64) -> [InteractionBatch] {
        let decoder = InteractionDecoder()
        var batches: [InteractionBatch] = []
        var batch = InteractionBatch()
        for (offset, value) in values.enumerated() {
            _ = value.withUnsafeBytes {
                decoder.decode(
                    $0, nowMs: nowMs, position: InputPosition(partition: 0, offset: Int64(offset)), appendingTo: &batch)
            }
            if batch.count == 1_000 {
                batches.append(batch)
                batch = InteractionBatch()
            }
        }
        batches.append(batch)
        return batches
    }

    private func k(_ value: Double) -> String { "\(Int(value / 1_000))k" }
    private func f(_ value: Double, _ digits: Int) -> String {
        value.formatted(.number.precision(.fractionLength(digits)))
    }
}
