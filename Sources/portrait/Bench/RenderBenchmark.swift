import Foundation
import PortraitCore
import Synchronization

/// `portrait bench engine --render-only`: the CPU cost of one emission (profile + recommendations
/// record pair, plus the encoded state) on its own.
///
/// Every synthetic event is applied first with the emission timer out of the way (one shard), so the
/// final flush renders every user exactly once; its CPU time divided by the records is the number.
enum RenderBenchmark {
    struct Result {
        var records: Int
        var cpuSeconds: Double
        var recordBytes: Int
        var stateBytes: Int

        var cpuMicrosPerRecord: Double { cpuSeconds * 1e6 / Double(max(records, 1)) }
    }

    static func run(values: [[UInt8]], nowMs: Int64, catalogItems: [CatalogItem]) async -> Result {
        let decoder = InteractionDecoder()
        var batches: [[PositionedInteraction]] = []
        var batch: [PositionedInteraction] = []
        batch.reserveCapacity(1_000)
        for (offset, value) in values.enumerated() {
            if let event = decoder.decode(value, nowMs: nowMs).value {
                batch.append(PositionedInteraction(event: event, position: InputPosition(partition: 0, offset: Int64(offset))))
            }
            if batch.count == 1_000 {
                batches.append(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        batches.append(batch)
        let (engine, sink) = EngineBenchmark.engine(shards: 1, emitIntervalMs: 3_600_000)
        for item in catalogItems { engine.catalog.upsert(item, atMs: nowMs) }
        for (token, batch) in batches.enumerated() { engine.submit(batch, token: UInt64(token)) }
        // A query on the single shard is a barrier: every part before it is applied, nothing rendered.
        _ = await engine.profileJSON(userId: "u0", at: nil)
        let before = EngineBenchmark.cpuSeconds()
        await engine.flush(partitions: nil)
        let cpu = EngineBenchmark.cpuSeconds() - before
        let counts = sink.counts.withLock { $0 }
        await engine.shutdown()
        return Result(records: counts.emissions, cpuSeconds: cpu, recordBytes: counts.bytes, stateBytes: counts.stateBytes)
    }
}
