import PortraitCore
import Synchronization

extension RenderBenchmark {
    /// What `--round-size N` measured: the CPU of tiny rounds beyond the apply work they follow.
    struct RoundsResult {
        var roundSize: Int
        var rounds: Int
        var pairs: Int
        var cpuWithRounds: Double
        var cpuApplyOnly: Double

        /// (CPU with a round per part − CPU of the same parts without rounds) per emitted pair.
        var cpuMicrosPerPair: Double { (cpuWithRounds - cpuApplyOnly) * 1e6 / Double(max(pairs, 1)) }
    }

    /// `portrait bench engine --render-only --round-size N`: the cost of a pair when rounds are tiny,
    /// as with `emit_interval_ms = 0` (a round after every part of 1–10 events).
    ///
    /// Two single-shard engines get the same events: all but the last `measured` in parts of 10,000
    /// (the warm-up: profiles, catalog and names in place), then the last `measured` in parts of
    /// `roundSize` events. One engine cuts a round after every part (`emitIntervalMs = 0`), the other
    /// never does; the difference of their CPU over the second phase, per emitted pair, is the
    /// rendering cost including every fixed cost of a round (dirty list, popularity merge, compaction,
    /// catalog lock, emission arrays).
    static func runRounds(values: [[UInt8]], nowMs: Int64, catalogItems: [CatalogItem], roundSize: Int, measured: Int)
        async -> RoundsResult
    {
        let decoder = InteractionDecoder()
        var events: [PositionedInteraction] = []
        events.reserveCapacity(values.count)
        for (offset, value) in values.enumerated() {
            if let event = decoder.decode(value, nowMs: nowMs).value {
                events.append(PositionedInteraction(event: event, position: InputPosition(partition: 0, offset: Int64(offset))))
            }
        }
        let split = max(0, events.count - measured)
        let warm = stride(from: 0, to: split, by: 10_000).map { Array(events[$0..<min($0 + 10_000, split)]) }
        let size = max(1, roundSize)
        let tiny = stride(from: split, to: events.count, by: size).map {
            Array(events[$0..<min($0 + size, events.count)])
        }

        func phase(emitIntervalMs: Int) async -> (cpu: Double, emissions: Int, rounds: Int) {
            let (engine, sink) = EngineBenchmark.engine(shards: 1, emitIntervalMs: emitIntervalMs)
            for item in catalogItems { engine.catalog.upsert(item, atMs: nowMs) }
            var token: UInt64 = 0
            for part in warm {
                engine.submit(part, token: token)
                token += 1
            }
            await engine.barrier()
            let before = sink.counts.withLock { $0 }
            let cpuBefore = EngineBenchmark.cpuSeconds()
            for part in tiny {
                engine.submit(part, token: token)
                token += 1
            }
            await engine.barrier()
            let cpu = EngineBenchmark.cpuSeconds() - cpuBefore
            let after = sink.counts.withLock { $0 }
            await engine.shutdown()
            return (cpu, after.emissions - before.emissions, after.rounds - before.rounds)
        }

        let applyOnly = await phase(emitIntervalMs: 3_600_000)
        let withRounds = await phase(emitIntervalMs: 0)
        return RoundsResult(
            roundSize: size, rounds: withRounds.rounds, pairs: withRounds.emissions, cpuWithRounds: withRounds.cpu,
            cpuApplyOnly: applyOnly.cpu)
    }
}
