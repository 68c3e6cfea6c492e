import PortraitCore
import Synchronization

/// The profiles one uninterrupted run over a workload must end with, computed in-process by `PortraitCore`:
/// one `ProfileEngine` shard with the daemon's defaults (half-life, weights, top N), every event submitted once,
/// a final flush, and each user's last emitted profile kept.
enum ReferenceProfiles {
    /// user → the reference profile.
    static func compute(_ workload: DurabilityWorkload, configuration: EngineConfiguration = EngineConfiguration())
        async throws -> [String: ComparableProfile]
    {
        var configuration = configuration
        configuration.shardCount = 1
        configuration.emitIntervalMs = 3_600_000
        let nowMs = DurabilityWorkload.wallClockMs
        let sink = LastEmissionSink()
        let engine = ProfileEngine(
            configuration: configuration, catalog: ItemCatalog(configuration: configuration), sink: sink,
            clock: { nowMs })
        let decoder = InteractionDecoder()
        var batch: [PositionedInteraction] = []
        var token: UInt64 = 0
        for event in workload.events {
            guard let interaction = decoder.decode(event.json, nowMs: nowMs).value else {
                throw ReferenceError(message: "the reference decoder rejects \(event.json)")
            }
            batch.append(PositionedInteraction(event: interaction))
            if batch.count == 1_000 {
                engine.submit(batch, token: token)
                token += 1
                batch.removeAll(keepingCapacity: true)
                await Task.yield()
            }
        }
        engine.submit(batch, token: token)
        await engine.flush(partitions: nil)
        await engine.shutdown()
        return try sink.latest.withLock { latest in try latest.mapValues { try ComparableProfile(json: $0) } }
    }

    struct ReferenceError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

/// Keeps each user's last emitted profile record.
private final class LastEmissionSink: EmissionSink {
    let latest = Mutex<[String: [UInt8]]>([:])

    func emit(_ round: EmissionRound) {
        latest.withLock { latest in
            for emission in round.emissions { latest[emission.userId] = Array(emission.profile) }
        }
    }

    func backpressureChanged(overHighWater: Bool) {}
    func evicted(userId: String, partition: Int32, state: [UInt8]) {}
}
