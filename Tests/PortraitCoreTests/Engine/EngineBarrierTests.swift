import Testing

@testable import PortraitCore

/// `ProfileEngine.barrier()` waits for every shard, not only one.
@Suite struct EngineBarrierTests {
    @Test func barrierWaitsForEveryShard() async throws {
        let (engine, _) = EngineFixture.engine(EngineFixture.configuration(shards: 3))
        let users = (0..<60).map { "user\($0)" }
        engine.submit(users.map { EngineFixture.event($0, "v1", .like, DurabilityTests.t0, tags: ["x"]) }, token: 1)
        await engine.barrier()
        #expect(engine.statistics().profiles == 60)
        #expect(engine.statistics().profilesPerShard.allSatisfy { $0 > 0 })
    }
}
