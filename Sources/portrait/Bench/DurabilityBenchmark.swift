import Foundation
import PortraitCore
import PortraitService

/// `portrait bench engine --durability`: snapshot and batch-restore speed of the engine.
enum DurabilityBenchmark {
    /// Builds `users` profiles of ~`eventsPerUser` events, snapshots them, then restores `copies`
    /// renamed copies of every state into a fresh engine of `shards` shards.
    static func run(users: Int, eventsPerUser: Int, copies: Int, shards: Int) async -> String {
        let (engine, _) = EngineBenchmark.engine(shards: shards, emitIntervalMs: 3_600_000)
        var random = SplitMix64(seed: 5)
        let start: Int64 = 1_732_896_000_000
        var part: [PositionedInteraction] = []
        for user in 0..<users {
            for index in 0..<eventsPerUser {
                let event = Interaction(
                    userId: "u\(user)", itemId: "v\(random.nextInt(below: 50_000))",
                    type: EventType.allCases[random.nextInt(below: 5)],
                    timestamp: start + Int64(index) * 8_640_000 + Int64(random.nextInt(below: 1_000)),
                    tags: (0...random.nextInt(below: 3)).map { _ in "tag\(random.nextInt(below: 5_000))" },
                    authorId: "a\(random.nextInt(below: 2_000))", country: "BR", device: "android", lang: "pt")
                part.append(PositionedInteraction(event: event, position: InputPosition(partition: 0, offset: Int64(index))))
            }
            if part.count >= 10_000 {
                engine.submit(part, token: 0)
                part = []
            }
        }
        engine.submit(part, token: 0)
        await engine.flush(partitions: nil)

        var clock = ContinuousClock.now
        var cpu = EngineBenchmark.cpuSeconds()
        let states = await engine.snapshot(partitions: [0])
        let snapshotWall = (ContinuousClock.now - clock).inSeconds
        let snapshotCPU = EngineBenchmark.cpuSeconds() - cpu
        let bytes = states.reduce(0) { $0 + $1.state.count }
        await engine.shutdown()

        var all: [(userId: String, partition: Int32, state: [UInt8])] = []
        all.reserveCapacity(states.count * copies)
        for copy in 0..<copies {
            for state in states { all.append(("c\(copy)-\(state.userId)", state.partition, state.state)) }
        }
        let (fresh, _) = EngineBenchmark.engine(shards: shards, emitIntervalMs: 3_600_000)
        clock = ContinuousClock.now
        cpu = EngineBenchmark.cpuSeconds()
        let installed = await fresh.restore(all)
        let restoreWall = (ContinuousClock.now - clock).inSeconds
        let restoreCPU = EngineBenchmark.cpuSeconds() - cpu
        await fresh.shutdown()
        return "durability, \(shards) shard(s): snapshot of \(states.count) profiles (\(bytes / max(states.count, 1)) bytes "
            + "each) \(String(format: "%.2f", snapshotWall)) s wall / \(String(format: "%.2f", snapshotCPU)) CPU-s; "
            + "restore of \(installed) profiles \(String(format: "%.2f", restoreWall)) s wall / "
            + "\(String(format: "%.2f", restoreCPU)) CPU-s"
    }
}
