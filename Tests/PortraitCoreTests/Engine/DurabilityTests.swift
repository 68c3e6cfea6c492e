import Foundation
import Synchronization
import Testing

@testable import PortraitCore

/// An evicted-profile store in memory, recording what it was asked.
final class MemoryEvictedStore: EvictedProfileStore {
    let states = Mutex<[String: (partition: Int32, state: [UInt8])]>([:])

    func store(userId: String, partition: Int32, state: [UInt8]) {
        states.withLock { $0[userId] = (partition, state) }
    }

    func take(userId: String) -> (partition: Int32, state: [UInt8])? {
        states.withLock { $0.removeValue(forKey: userId) }
    }

    var users: Set<String> { states.withLock { Set($0.keys) } }
}

/// Batch restore, snapshots and lossless eviction (issue 5).
@Suite struct DurabilityTests {
    static let t0: Int64 = 1_732_000_000_000

    /// Several users' traffic over four partitions, positioned so replays are recognisable.
    static func traffic(users: Int, events: Int, seed: UInt64, offsetBase: Int64 = 0) -> [PositionedInteraction] {
        ShardingAndEmissionTests.traffic(users: users, events: events, seed: seed).enumerated().map {
            var event = $0.element
            event.position.offset = offsetBase + Int64($0.offset)
            return event
        }
    }

    /// Every held user's decoded state, score lists sorted by name.
    static func states(_ engine: ProfileEngine) async throws -> [String: ProfileSnapshot] {
        var result: [String: ProfileSnapshot] = [:]
        for entry in await engine.snapshot(partitions: Set(0..<8)) {
            var state = try ProfileStateCodec().decode(entry.state)
            state.tags.sort { $0.name < $1.name }
            state.authors.sort { $0.name < $1.name }
            result[entry.userId] = state
        }
        return result
    }

    @Test func snapshotThenBatchRestoreReproducesEveryProfile() async throws {
        let (engine, _) = EngineFixture.engine(EngineFixture.configuration(shards: 3))
        engine.submit(Self.traffic(users: 40, events: 2_000, seed: 7), token: 1)
        await engine.flush(partitions: nil)
        let states = await engine.snapshot(partitions: [0, 1, 2, 3])
        #expect(states.count == 40)
        let onlyTwo = await engine.snapshot(partitions: [2])
        #expect(onlyTwo.count == 10)
        #expect(onlyTwo.allSatisfy { $0.partition == 2 })

        let (restored, _) = EngineFixture.engine(EngineFixture.configuration(shards: 2))
        #expect(await restored.restore(states) == 40)
        #expect(restored.statistics().profiles == 40)
        // Same state (tie order by symbol id may differ between catalogs, so compare states, not JSON).
        #expect(try await Self.states(restored) == Self.states(engine))

        var streamed = 0
        await engine.snapshot(partitions: [0, 1, 2, 3]) { streamed += $0.count }
        #expect(streamed == 40)
    }

    /// Every held profile's tag/author counts agree with its score entries and respect the caps.
    static func checkScoreInvariants(_ engine: ProfileEngine, tagCap: Int, authorCap: Int) async {
        for shard in engine.shards {
            let problems = await shard.perform { shard -> [String] in
                shard.store.allSlots().compactMap { slot in
                    let profile = shard.store[slot]
                    let tags = profile.scores.count(where: { !$0.isAuthor })
                    let authors = profile.scores.count - tags
                    let sorted = zip(profile.scores, profile.scores.dropFirst()).allSatisfy { $0.key < $1.key }
                    guard Int(profile.tagCount) == tags, Int(profile.authorCount) == authors,
                          tags <= tagCap, authors <= authorCap, sorted else {
                        return "\(profile.userId): tagCount \(profile.tagCount)/\(tags), authorCount \(profile.authorCount)/\(authors), sorted \(sorted)"
                    }
                    return nil
                }
            }
            #expect(problems.isEmpty, "\(problems.prefix(3))")
        }
    }

    @Test func capsAndCountsHoldAcrossRestoreAndFurtherEvents() async throws {
        let configuration = EngineFixture.configuration(shards: 2) {
            $0.maxTagsPerUser = 8
            $0.maxAuthorsPerUser = 4
        }
        let (engine, _) = EngineFixture.engine(configuration)
        engine.submit(Self.traffic(users: 12, events: 1_500, seed: 21), token: 1)
        await engine.flush(partitions: nil)
        await Self.checkScoreInvariants(engine, tagCap: 8, authorCap: 4)

        // Restore through the batch path, then keep applying to both: the states stay equal. The restored
        // side interns every name in the opposite order first, so symbol ids differ (evictions among
        // equal scores must not depend on them).
        let reversed = ItemCatalog(configuration: configuration)
        reversed.withState { state in
            for index in (0..<40).reversed() { _ = state.symbols.intern("t\(index)") }
            for index in (0..<30).reversed() { _ = state.symbols.intern("a\(index)") }
        }
        let (restored, _) = EngineFixture.engine(configuration, catalog: reversed)
        #expect(await restored.restore(await engine.snapshot(partitions: Set(0..<4))) == 12)
        await Self.checkScoreInvariants(restored, tagCap: 8, authorCap: 4)
        let more = Self.traffic(users: 12, events: 1_500, seed: 22, offsetBase: 10_000)
        engine.submit(more, token: 2)
        restored.submit(more, token: 2)
        await engine.flush(partitions: nil)
        await restored.flush(partitions: nil)
        await Self.checkScoreInvariants(engine, tagCap: 8, authorCap: 4)
        await Self.checkScoreInvariants(restored, tagCap: 8, authorCap: 4)
        #expect(try await Self.states(restored) == Self.states(engine))
    }

    @Test func restoreIsVersionGuardedAndCountsUndecodableStates() async throws {
        let (engine, _) = EngineFixture.engine(EngineFixture.configuration())
        engine.submit([EngineFixture.event("a", "v1", .like, Self.t0, tags: ["x"])], token: 1)
        await engine.flush(partitions: nil)
        let old = try #require(await engine.snapshot(partitions: [0]).first)
        engine.submit([EngineFixture.event("a", "v2", .like, Self.t0 + 1, tags: ["y"])], token: 2)
        await engine.flush(partitions: nil)
        let new = try #require(await engine.snapshot(partitions: [0]).first)

        let (restored, _) = EngineFixture.engine(EngineFixture.configuration())
        // Newer first, then an older record from the changelog replay: the older one is ignored.
        #expect(await restored.restore([new, old]) == 1)
        let state = try ProfileStateCodec().decode(try #require(await restored.encodedState(userId: "a")))
        #expect(state.events == 2)
        #expect(state.version == 2)
        // Same version again: not installed. Older then newer in one batch: the newer wins.
        #expect(await restored.restore([new]) == 0)
        let (other, _) = EngineFixture.engine(EngineFixture.configuration())
        #expect(await other.restore([old, new]) == 2)
        #expect(try ProfileStateCodec().decode(try #require(await other.encodedState(userId: "a"))).events == 2)

        let garbage = (userId: "b", partition: Int32(0), state: Array(new.state.dropLast()))
        #expect(await restored.restore([garbage]) == 0)
        #expect(restored.statistics().restoreFailures == 1)
        #expect(await restored.profileJSON(userId: "b", at: nil) == nil)
    }

    @Test func evictedUsersComeBackExactlyWhereTheyLeft() async throws {
        let events = Self.traffic(users: 30, events: 3_000, seed: 11)
        let (reference, _) = EngineFixture.engine(EngineFixture.configuration(shards: 2))
        reference.submit(events, token: 1)
        await reference.flush(partitions: nil)

        let evictedStore = MemoryEvictedStore()
        let configuration = EngineFixture.configuration(shards: 2) { $0.maxProfiles = 6 }
        let sink = CollectingSink()
        let engine = ProfileEngine(
            configuration: configuration, catalog: ItemCatalog(configuration: configuration), sink: sink,
            clock: { 1_733_000_000_000 }, evictedStore: evictedStore)
        for (token, chunk) in events.chunked(50).enumerated() {
            engine.submit(chunk, token: UInt64(token))
            await engine.flush(partitions: nil)  // rounds make users idle, so they can be evicted
        }
        let statistics = engine.statistics()
        #expect(statistics.evictions > 0)
        #expect(statistics.unevicted > 0)
        #expect(statistics.profiles <= 6)
        #expect(statistics.profiles + evictedStore.users.count == 30)

        // Bring everyone back by replaying their whole history: duplicates are skipped, nothing is lost.
        engine.submit(events, token: 999)
        await engine.flush(partitions: nil)
        for user in 0..<30 {
            let id = "u\(user)"
            let expected = try EngineFixture.json(await reference.profileJSON(userId: id, at: nil))
            let state = try #require(await engine.encodedState(userId: id) ?? evictedStore.states.withLock { $0[id]?.state })
            let actual = try ProfileStateCodec().decode(state)
            #expect(actual.events == UInt32(expected["events"] as! Int), "\(id)")
            let expectedScores = EngineFixture.scores(expected, "interests", key: "tag")
            let snapshotProfile = try EngineFixture.json(await Self.render(state, userId: id))
            let actualScores = EngineFixture.scores(snapshotProfile, "interests", key: "tag")
            #expect(Set(actualScores.keys) == Set(expectedScores.keys), "\(id)")
            for (tag, score) in expectedScores {
                #expect(EngineFixture.close(score, actualScores[tag] ?? .nan), "\(id) \(tag)")
            }
        }
    }

    /// The profile record of an encoded state, rendered by a fresh engine.
    static func render(_ state: [UInt8], userId: String) async throws -> [UInt8]? {
        let (engine, _) = EngineFixture.engine(EngineFixture.configuration())
        try await engine.restore(userId: userId, partition: 0, state: state)
        return await engine.profileJSON(userId: userId, at: nil)
    }

    @Test func withoutAStoreEvictionStaysLossy() async throws {
        let (engine, _) = EngineFixture.engine(EngineFixture.configuration { $0.maxProfiles = 1 })
        engine.submit([EngineFixture.event("a", "v", .like, Self.t0, tags: ["x"])], token: 1)
        await engine.flush(partitions: nil)
        engine.submit([EngineFixture.event("b", "v", .like, Self.t0, tags: ["x"])], token: 2)
        await engine.flush(partitions: nil)
        engine.submit([EngineFixture.event("a", "w", .like, Self.t0 + 1, tags: ["x"])], token: 3)
        await engine.flush(partitions: nil)
        let state = try ProfileStateCodec().decode(try #require(await engine.encodedState(userId: "a")))
        #expect(state.events == 1)
        #expect(engine.statistics().unevicted == 0)
    }
}
