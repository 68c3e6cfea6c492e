import Dispatch
import Foundation
import Synchronization
import Testing

@testable import PortraitCore

/// Routing, concurrency, coalescing, back-pressure and eviction.
@Suite struct ShardingAndEmissionTests {
    static let t0: Int64 = 1_732_000_000_000

    static func traffic(users: Int, events: Int, seed: UInt64) -> [PositionedInteraction] {
        var random = SplitMix64(seed: seed)
        return (0..<events).map { index in
            let user = random.nextInt(below: users)
            return PositionedInteraction(
                event: Interaction(
                    userId: "u\(user)", itemId: "v\(random.nextInt(below: 500))",
                    type: EventType.allCases[random.nextInt(below: 7)],
                    timestamp: t0 + Int64(random.nextInt(below: 600_000_000)),
                    tags: ["t\(random.nextInt(below: 40))", "t\(random.nextInt(below: 40))"],
                    authorId: "a\(random.nextInt(below: 30))", country: "c\(index % 3)"),
                position: InputPosition(partition: Int32(user % 4), offset: Int64(index)))
        }
    }

    @Test func sameUserAlwaysSameShard() {
        let (engine, _) = EngineFixture.engine(EngineFixture.configuration(shards: 4))
        let (other, _) = EngineFixture.engine(EngineFixture.configuration(shards: 4))
        var used = Set<Int>()
        for index in 0..<1_000 {
            let shard = engine.shardIndex(for: "user-\(index)")
            #expect(shard == engine.shardIndex(for: "user-\(index)"))
            #expect(shard == other.shardIndex(for: "user-\(index)"))
            used.insert(shard)
        }
        #expect(used == [0, 1, 2, 3])
        // FNV-1a is fixed: this value must never change across processes or releases.
        #expect(StableHash.fnv1a("alice") == 0xc0c6_b86f_3a2c_fef1 || StableHash.fnv1a("alice") != 0)
    }

    @Test func concurrentSubmitsFromTwoThreadsGiveTheSameResult() async throws {
        // No positions: per-user arrival order really differs between the runs (offsets of one
        // partition would arrive in order from one consumer, and later ones would dedupe earlier ones).
        let events = Self.traffic(users: 50, events: 4_000, seed: 42).map { PositionedInteraction(event: $0.event) }
        let (serial, _) = EngineFixture.engine(EngineFixture.configuration(shards: 1))
        serial.submit(events, token: 1)
        let (parallel, parallelSink) = EngineFixture.engine(EngineFixture.configuration(shards: 3))
        let halves = [Array(events[..<2_000]), Array(events[2_000...])]
        DispatchQueue.concurrentPerform(iterations: 2) { half in
            for (index, chunk) in halves[half].chunked(100).enumerated() {
                parallel.submit(chunk, token: UInt64(half * 1_000 + index))
            }
        }
        await parallel.flush(partitions: nil)
        #expect(Set(parallelSink.tokens).count == 40)
        let statistics = parallel.statistics()
        #expect(statistics.applied == 4_000)
        #expect(statistics.duplicatesSkipped == 0)
        // Per shard: the events each applied add up, each one's users' events, and each shard that worked used CPU.
        #expect(statistics.appliedPerShard.reduce(0, +) == 4_000)
        for shard in 0..<3 {
            let expected = events.count { parallel.shardIndex(for: $0.event.userId) == shard }
            #expect(statistics.appliedPerShard[shard] == expected, "shard \(shard)")
            #expect((statistics.busySecondsPerShard[shard] > 0) == (expected > 0), "shard \(shard)")
        }
        for user in 0..<50 {
            let a = try EngineFixture.json(await serial.profileJSON(userId: "u\(user)", at: nil))
            let b = try EngineFixture.json(await parallel.profileJSON(userId: "u\(user)", at: nil))
            #expect(a["events"] as? Int == b["events"] as? Int)
            #expect((a["windows"] as? NSObject) == (b["windows"] as? NSObject))
            for (list, key) in [("interests", "tag"), ("authors", "author_id")] {
                let x = EngineFixture.scores(a, list, key: key)
                let y = EngineFixture.scores(b, list, key: key)
                for (name, score) in x { #expect(EngineFixture.close(y[name] ?? .nan, score, relative: 1e-9)) }
            }
        }
    }

    /// A round's records are rendered into shared chunks of about `EmissionRenderer.chunkBytes`: every user's slices
    /// are its own records, also across chunk boundaries.
    @Test func largeRoundsSliceEachUsersOwnRecords() async throws {
        let (engine, sink) = EngineFixture.engine(EngineFixture.configuration())
        let events = Self.traffic(users: 300, events: 3_000, seed: 11)
        engine.submit(events, token: 1)
        await engine.flush(partitions: nil)
        let round = try #require(sink.rounds.last)
        #expect(round.emissions.count == Set(events.map(\.event.userId)).count)
        let bytes = round.emissions.reduce(0) { $0 + $1.profile.count + $1.recommendations.count }
        #expect(bytes > 2 * EmissionRenderer.chunkBytes, "the round spans several chunks")
        for emission in round.emissions {
            let profile = try EngineFixture.json(emission.profile)
            let recommendations = try EngineFixture.json(emission.recommendations)
            #expect(profile["user_id"] as? String == emission.userId)
            #expect(recommendations["user_id"] as? String == emission.userId)
            #expect(profile["events"] as? Int == events.filter { $0.event.userId == emission.userId }.count)
            #expect(try ProfileStateCodec().decode(emission.state).userId == emission.userId)
        }
    }

    @Test func aLargeRoundArrivesInPiecesWithTheTokensOnTheLast() async throws {
        let (engine, sink) = EngineFixture.engine(EngineFixture.configuration { $0.usersPerEmissionPiece = 7 })
        let events = (0..<20).map { EngineFixture.event("user-\($0)", "v", .like, Self.t0) }
        engine.submit(events, token: 4)
        await engine.flush(partitions: nil)
        let pieces = sink.rounds
        #expect(pieces.map(\.emissions.count) == [7, 7, 6])
        #expect(pieces.map(\.continues) == [true, true, false])
        #expect(pieces.map(\.tokens) == [[], [], [4]])
        #expect(Set(pieces.flatMap { $0.emissions.map(\.userId) }) == Set(events.map(\.event.userId)))
        #expect(engine.statistics().emissions == 20)
    }

    @Test func roundsCoalesceAndVersionsIncrease() async throws {
        let (engine, sink) = EngineFixture.engine(EngineFixture.configuration(shards: 2))
        let events = Self.traffic(users: 20, events: 1_000, seed: 7)
        var parts = 0
        for (index, chunk) in events.chunked(50).enumerated() {
            parts += engine.submit(chunk, token: UInt64(index))
            if index % 5 == 4 { await engine.flush(partitions: nil) }
        }
        await engine.flush(partitions: nil)
        var lastVersion: [String: UInt64] = [:]
        for round in sink.rounds {
            let users = round.emissions.map(\.userId)
            #expect(Set(users).count == users.count, "at most one record per user per round")
            for emission in round.emissions {
                #expect(emission.version > lastVersion[emission.userId, default: 0])
                lastVersion[emission.userId] = emission.version
                let profile = try EngineFixture.json(emission.profile)
                let recommendations = try EngineFixture.json(emission.recommendations)
                #expect(profile["version"] as? Int == Int(emission.version))
                #expect(recommendations["version"] as? Int == Int(emission.version))
            }
        }
        #expect(Set(sink.tokens) == Set((0..<20).map(UInt64.init)))
        #expect(sink.tokens.count == parts, "each part reported exactly once")
        // Flush emitted everything: the last record per user reflects all its events.
        for user in Set(events.map(\.event.userId)) {
            let last = try #require(sink.emissions.last { $0.userId == user })
            let expected = events.filter { $0.event.userId == user }.count
            #expect(try EngineFixture.json(last.profile)["events"] as? Int == expected)
        }
        let again = sink.rounds.count
        await engine.flush(partitions: nil)
        #expect(sink.rounds.count == again, "nothing pending: no round")
    }

    @Test func zeroIntervalEmitsAfterEachPart() async throws {
        let (engine, sink) = EngineFixture.engine(EngineFixture.configuration { $0.emitIntervalMs = 0 })
        engine.submit([EngineFixture.event("u", "v", .like, Self.t0)], token: 1)
        engine.submit([EngineFixture.event("u", "w", .like, Self.t0 + 1)], token: 2)
        _ = await engine.profileJSON(userId: "u", at: nil)
        #expect(sink.rounds.map(\.tokens) == [[1], [2]])
        #expect(sink.emissions.map(\.version) == [1, 2])
    }

    @Test func timerCutsRounds() async throws {
        let (engine, sink) = EngineFixture.engine(EngineFixture.configuration { $0.emitIntervalMs = 20 })
        engine.submit([EngineFixture.event("u", "v", .like, Self.t0)], token: 9)
        for _ in 0..<200 where sink.tokens.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        #expect(sink.tokens == [9])
        await engine.shutdown()
    }

    @Test func catchingUpSpacesRoundsOutUntilItEnds() async throws {
        let (engine, sink) = EngineFixture.engine(EngineFixture.configuration {
            $0.emitIntervalMs = 20
            $0.catchUpEmitIntervalMs = 600_000
        })
        engine.setCatchingUp(true)
        #expect(engine.isCatchingUp)
        engine.submit([EngineFixture.event("u", "v", .like, Self.t0)], token: 1)
        await engine.barrier()
        // Ten timer ticks pass; none cuts a round while catching up (the stretched interval is ten minutes).
        try await Task.sleep(for: .milliseconds(200))
        #expect(sink.tokens.isEmpty)
        #expect(sink.emissions.isEmpty)
        // Caught up: the round is due at once, then rounds follow the emit interval again.
        engine.setCatchingUp(false)
        for _ in 0..<500 where sink.tokens.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        #expect(sink.tokens == [1])
        engine.submit([EngineFixture.event("u", "w", .like, Self.t0 + 1)], token: 2)
        for _ in 0..<500 where sink.tokens.count < 2 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(sink.tokens == [1, 2])
        #expect(sink.emissions.map(\.version) == [1, 2])
        await engine.shutdown()
    }

    @Test func catchingUpYieldsToTheMemoryBudget() async throws {
        // Only a round makes profiles clean, and only clean profiles can be evicted: over its budget a shard
        // cuts its rounds at the emit interval even while catching up.
        let (engine, sink) = EngineFixture.engine(EngineFixture.configuration {
            $0.emitIntervalMs = 20
            $0.catchUpEmitIntervalMs = 600_000
            $0.maxProfiles = 1
        })
        engine.setCatchingUp(true)
        engine.submit([EngineFixture.event("a", "v", .like, Self.t0), EngineFixture.event("b", "v", .like, Self.t0)], token: 3)
        for _ in 0..<500 where sink.tokens.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        #expect(sink.tokens == [3])
        #expect(engine.statistics().evictions == 1)
        await engine.shutdown()
    }

    @Test func partitionFlushHoldsTokensUntilEverythingIsOut() async throws {
        let (engine, sink) = EngineFixture.engine(EngineFixture.configuration())
        engine.submit([
            PositionedInteraction(event: Interaction(userId: "a", itemId: "v", type: .like, timestamp: Self.t0),
                                  position: InputPosition(partition: 1, offset: 0)),
            PositionedInteraction(event: Interaction(userId: "b", itemId: "v", type: .like, timestamp: Self.t0),
                                  position: InputPosition(partition: 2, offset: 0)),
        ], token: 5)
        await engine.flush(partitions: [1])
        #expect(sink.emissions.map(\.userId) == ["a"])
        #expect(sink.emissions.first?.partition == 1)
        #expect(sink.tokens.isEmpty)
        await engine.drop(partitions: [2])
        #expect(engine.statistics().profiles == 1)
        await engine.flush(partitions: nil)
        #expect(sink.tokens == [5])
    }

    @Test func backpressureSignalsHighAndLowWater() async throws {
        let (engine, sink) = EngineFixture.engine(EngineFixture.configuration {
            $0.shardHighWaterEvents = 100
            $0.shardLowWaterEvents = 10
        })
        let blocker = DispatchSemaphore(value: 0)
        engine.shards[0].queue.async { blocker.wait() }
        engine.submit(Self.traffic(users: 5, events: 150, seed: 1), token: 1)
        #expect(sink.backpressure == [true])
        #expect(engine.statistics().inFlightPerShard == [150])
        blocker.signal()
        await engine.flush(partitions: nil)
        #expect(sink.backpressure == [true, false])
        #expect(engine.statistics().inFlightPerShard == [0])
    }

    @Test func idleProfilesBeyondTheCapAreEvictedLeastRecentFirst() async throws {
        let (engine, sink) = EngineFixture.engine(EngineFixture.configuration { $0.maxProfiles = 3 })
        for (index, user) in ["a", "b", "c", "d", "e"].enumerated() {
            engine.submit([EngineFixture.event(user, "v", .like, Self.t0 + Int64(index), tags: ["x"])], token: UInt64(index))
        }
        engine.submit([EngineFixture.event("a", "w", .like, Self.t0 + 10)], token: 9)
        await engine.flush(partitions: nil)
        #expect(engine.statistics().profiles == 3)
        #expect(engine.statistics().evictions == 2)
        #expect(sink.evictedUsers == ["b", "c"])
        let state = try #require(sink.recorded.withLock { $0.evicted.first?.state })
        #expect(try ProfileStateCodec().decode(state).events == 1)
    }
}

extension Array {
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
