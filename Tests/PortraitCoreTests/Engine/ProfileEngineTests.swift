import Foundation
import PropertyBased
import Testing

@testable import PortraitCore

/// The profile laws of CONTRACT §4 through the public engine API.
@Suite struct ProfileEngineTests {
    @Test func workedExampleReproducesTheExpectedProfile() async throws {
        let (engine, sink) = EngineFixture.engine(EngineFixture.configuration())
        let events = try EngineFixture.workedExample().map { PositionedInteraction(event: $0) }
        engine.submit(events, token: 7)
        await engine.flush(partitions: nil)
        let emission = try #require(sink.emissions.first)
        let actual = try EngineFixture.json(emission.profile)
        let expected = try EngineFixture.json(Array(try EngineFixture.fixture("worked-example.profile.json").utf8))
        for key in ["user_id", "as_of", "half_life_s", "events", "windows", "context"] {
            #expect((actual[key] as? NSObject) == (expected[key] as? NSObject), "\(key)")
        }
        for (list, key) in [("interests", "tag"), ("authors", "author_id")] {
            let got = EngineFixture.scores(actual, list, key: key)
            let want = EngineFixture.scores(expected, list, key: key)
            #expect(Set(got.keys) == Set(want.keys), "\(list)")
            for (name, score) in want {
                #expect(EngineFixture.close(got[name] ?? .nan, score), "\(list) \(name): \(got[name] ?? .nan) vs \(score)")
            }
            let ordered = (actual[list] as! [[String: Any]]).map { ($0["score"] as! NSNumber).doubleValue }
            #expect(ordered == ordered.sorted(by: >))
        }
        #expect(emission.version == 1)
        #expect(sink.tokens == [7])
    }

    @Test func anyPermutationGivesTheSameProfile() async throws {
        let base = try EngineFixture.workedExample()
        let reference = try await Self.profile(of: base)
        await propertyCheck(count: 40, input: Gen.shuffled(base)) { permutation in
            let profile = try await Self.profile(of: permutation)
            #expect(profile["events"] as? Int == reference["events"] as? Int)
            #expect((profile["windows"] as? NSObject) == (reference["windows"] as? NSObject))
            #expect((profile["context"] as? NSObject) == (reference["context"] as? NSObject))
            for (list, key) in [("interests", "tag"), ("authors", "author_id")] {
                let got = EngineFixture.scores(profile, list, key: key)
                for (name, score) in EngineFixture.scores(reference, list, key: key) {
                    #expect(EngineFixture.close(got[name] ?? .nan, score))
                }
            }
        }
    }

    @Test func randomEventsAreOrderIndependent() async throws {
        let generator = Gen.int(in: 0..<1_000_000).array(of: 1...60)
        await propertyCheck(count: 30, input: generator) { seeds in
            let events = seeds.map { seed in
                let type = EventType.allCases[seed % 5]  // positive weights: no cancellation
                return Interaction(
                    userId: "u", itemId: "v\(seed % 97)", type: type,
                    timestamp: 1_732_000_000_000 + Int64(seed) * 9_000_000,
                    tags: ["t\(seed % 7)", "t\(seed % 11)"], authorId: "a\(seed % 5)")
            }
            let forward = try await Self.profile(of: events)
            let backward = try await Self.profile(of: events.reversed())
            for (list, key) in [("interests", "tag"), ("authors", "author_id")] {
                let a = EngineFixture.scores(forward, list, key: key)
                let b = EngineFixture.scores(backward, list, key: key)
                #expect(Set(a.keys) == Set(b.keys))
                for (name, score) in a { #expect(EngineFixture.close(b[name] ?? .nan, score)) }
            }
        }
    }

    @Test func scoreHalvesAfterOneHalfLife() async throws {
        let (engine, _) = EngineFixture.engine(EngineFixture.configuration())
        let t0: Int64 = 1_732_000_000_000
        engine.submit([EngineFixture.event("u", "v1", .like, t0, tags: ["x"], author: "a")], token: 1)
        let now = try EngineFixture.json(await engine.profileJSON(userId: "u", at: nil))
        let later = try EngineFixture.json(await engine.profileJSON(userId: "u", at: t0 + 86_400_000))
        #expect(EngineFixture.scores(now, "interests", key: "tag")["x"] == 3)
        #expect(EngineFixture.close(EngineFixture.scores(later, "interests", key: "tag")["x"]!, 1.5, relative: 1e-12))
        #expect(EngineFixture.close(EngineFixture.scores(later, "authors", key: "author_id")["a"]!, 1.5, relative: 1e-12))
    }

    /// An event without tags or author takes them from the item's catalog record (CONTRACT §2), never from
    /// another user's interaction with the item: that would depend on the order users are processed in, which
    /// differs between instances and after a rebalance, and break exactly-once state.
    @Test func missingTagsComeFromTheCatalogTopicOnly() async throws {
        let configuration = EngineFixture.configuration()
        let catalog = ItemCatalog(configuration: configuration)
        let t0: Int64 = 1_732_000_000_000
        catalog.upsert(CatalogItem(itemId: "listed", tags: ["cooking"], authorId: "chef"), atMs: t0)
        let (engine, _) = EngineFixture.engine(configuration, catalog: catalog)
        engine.submit([EngineFixture.event("a", "seen", .like, t0, tags: ["gaming"], author: "gamer")], token: 1)
        engine.submit([EngineFixture.event("b", "seen", .like, t0 + 1), EngineFixture.event("b", "listed", .like, t0 + 2)], token: 2)
        let b = try EngineFixture.json(await engine.profileJSON(userId: "b", at: nil))
        #expect(EngineFixture.scores(b, "interests", key: "tag") == ["cooking": 3])
        #expect(EngineFixture.scores(b, "authors", key: "author_id") == ["chef": 3])
        #expect(b["events"] as? Int == 2)
    }

    @Test func viewWeightScalesWithWatchedShare() async throws {
        let (engine, _) = EngineFixture.engine(EngineFixture.configuration())
        var event = Interaction(userId: "u", itemId: "v", type: .view, timestamp: 1_732_000_000_000, tags: ["x"])
        event.watchMs = 3_000
        event.durationMs = 12_000
        engine.submit([PositionedInteraction(event: event)], token: 1)
        let profile = try EngineFixture.json(await engine.profileJSON(userId: "u", at: nil))
        #expect(EngineFixture.scores(profile, "interests", key: "tag")["x"] == 0.25)
    }

    @Test func windowsCountExactlyAtBucketAlignedEdges() async throws {
        let (engine, _) = EngineFixture.engine(EngineFixture.configuration())
        // as_of is the last millisecond of a minute, so every window edge falls on bucket boundaries.
        let asOf: Int64 = 10_080_000 * 171_915 - 1
        var events = [EngineFixture.event("u", "now", .like, asOf)]
        for (window, length) in [(0, Int64(3_600_000)), (1, 86_400_000), (2, 604_800_000)] {
            events.append(EngineFixture.event("u", "in\(window)", .view, asOf - length + 1))
            events.append(EngineFixture.event("u", "out\(window)", .skip, asOf - length))
        }
        engine.submit(events, token: 1)
        let windows = try #require(try EngineFixture.json(await engine.profileJSON(userId: "u", at: nil))["windows"] as? [String: [String: Int]])
        #expect(windows["1h"] == ["like": 1, "view": 1])
        #expect(windows["24h"] == ["like": 1, "view": 2, "skip": 1])
        #expect(windows["7d"] == ["like": 1, "view": 3, "skip": 2])
    }

    @Test func contextKeepsTheNewestValuePerField() async throws {
        let (engine, _) = EngineFixture.engine(EngineFixture.configuration())
        func event(_ ts: Int64, country: String?, device: String?) -> PositionedInteraction {
            PositionedInteraction(
                event: Interaction(userId: "u", itemId: "v", type: .view, timestamp: ts, country: country, device: device))
        }
        engine.submit([event(300, country: "BR", device: nil), event(500, country: nil, device: "ios"),
                       event(100, country: "PT", device: "android"), event(200, country: nil, device: nil)].map {
            var copy = $0
            copy.event.timestamp += 1_732_000_000_000
            return copy
        }, token: 1)
        let profile = try EngineFixture.json(await engine.profileJSON(userId: "u", at: nil))
        #expect((profile["context"] as? [String: String]) == ["country": "BR", "device": "ios"])
        #expect(profile["events"] as? Int == 4)
    }

    @Test func capsHoldUnderTenThousandDistinctTags() async throws {
        let (engine, _) = EngineFixture.engine(EngineFixture.configuration())
        let t0: Int64 = 1_732_000_000_000
        let events = (0..<10_000).map { index in
            EngineFixture.event("u", "v\(index)", .like, t0 + Int64(index) * 1_000, tags: ["tag\(index)"], author: "a\(index)")
        }
        engine.submit(events, token: 1)
        await engine.flush(partitions: nil)
        let stats = engine.statistics()
        let state = try #require(await engine.encodedState(userId: "u"))
        let snapshot = try ProfileStateCodec().decode(state)
        #expect(snapshot.tags.count == 256)
        #expect(snapshot.authors.count == 256)
        #expect(snapshot.seenItems.count == 1_000)
        // The survivors are the newest (largest decayed) tags.
        #expect(Set(snapshot.tags.map(\.name)).contains("tag9999"))
        #expect(!Set(snapshot.tags.map(\.name)).contains("tag0"))
        let profile = try EngineFixture.json(await engine.profileJSON(userId: "u", at: nil))
        #expect((profile["interests"] as? [Any])?.count == 20)
        #expect(stats.profileBytes < 16 * 1024)
    }

    /// At the cap, among entries tied at the smallest score the greatest name goes — never the larger symbol id,
    /// which depends on which user interned the tags first.
    @Test(arguments: [["x", "y", "w"], ["y", "x", "w"]])
    func tiesAtTheCapEvictTheGreatestNameWhateverTheInterningOrder(internedFirst: [String]) async throws {
        let (engine, _) = EngineFixture.engine(EngineFixture.configuration { $0.maxTagsPerUser = 3 })
        let t0: Int64 = 1_732_000_000_000
        engine.submit([EngineFixture.event("other", "v0", .like, t0, tags: internedFirst)], token: 1)
        engine.submit(
            [
                EngineFixture.event("u", "v1", .like, t0, tags: ["w", "y", "x"]),
                EngineFixture.event("u", "v2", .like, t0 + 60_000, tags: ["z"]),
            ], token: 2)
        await engine.flush(partitions: nil)
        let snapshot = try ProfileStateCodec().decode(try #require(await engine.encodedState(userId: "u")))
        #expect(Set(snapshot.tags.map(\.name)) == ["w", "x", "z"])
    }

    @Test func replayedPositionsAreSkipped() async throws {
        let (engine, _) = EngineFixture.engine(EngineFixture.configuration())
        let events = try EngineFixture.workedExample().enumerated().map {
            PositionedInteraction(event: $0.element, position: InputPosition(partition: 3, offset: Int64($0.offset)))
        }
        engine.submit(events, token: 1)
        engine.submit(Array(events[2...]), token: 2)
        await engine.flush(partitions: nil)
        let state = try #require(await engine.encodedState(userId: "alice"))
        let (restored, _) = EngineFixture.engine(EngineFixture.configuration())
        try await restored.restore(userId: "alice", partition: 3, state: state)
        restored.submit(events, token: 3)
        let original = try EngineFixture.json(await engine.profileJSON(userId: "alice", at: nil))
        let replayed = try EngineFixture.json(await restored.profileJSON(userId: "alice", at: nil))
        #expect(original["events"] as? Int == 6)
        #expect(replayed["events"] as? Int == 6)
        #expect((original["interests"] as? NSObject) == (replayed["interests"] as? NSObject))
        #expect(engine.statistics().duplicatesSkipped == 4)
        #expect(restored.statistics().duplicatesSkipped == 6)
    }

    static func profile(of events: some Sequence<Interaction>) async throws -> [String: Any] {
        let (engine, _) = EngineFixture.engine(EngineFixture.configuration())
        engine.submit(events.map { PositionedInteraction(event: $0) }, token: 1)
        let user = try #require(events.first(where: { _ in true })?.userId)
        return try EngineFixture.json(await engine.profileJSON(userId: user, at: nil))
    }
}
