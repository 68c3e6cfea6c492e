import Testing

@testable import PortraitCore

/// Encoded states are pinned byte for byte: a change to how a profile holds its parts in memory (e.g.
/// which region of its word array holds scores, seen items or window entries) may not change them.
///
/// Users with every part (tags and authors at their caps, seen items past their limit, windows over
/// days, contexts, `not_interested` items and authors, two input partitions) are snapshotted, restored
/// in a batch and one by one, and given further events. The checksums were taken from the build before
/// profiles kept their parts in one allocation (ceecf39: three arrays, and missing authors already filled in
/// from the items topic only; the layout change gave the same bytes before and after that fix).
@Suite struct StateEncodingGoldenTests {
    static let users = (0..<6).map { "user-\($0)" }

    static func configuration() -> EngineConfiguration {
        EngineFixture.configuration {
            $0.maxTagsPerUser = 5
            $0.maxAuthorsPerUser = 3
            $0.seenItemsPerUser = 7
            $0.notInterestedPerUser = 4
        }
    }

    /// Deterministic events: `count` per user from `start`, minutes to hours apart, offsets from `firstOffset`.
    static func events(seed: UInt64, count: Int, start: Int64, firstOffset: Int64) -> [PositionedInteraction] {
        var random = SplitMix64(seed: seed)
        var events: [PositionedInteraction] = []
        var ts = start
        for index in 0..<(count * users.count) {
            ts += Int64(random.nextInt(below: 3)) * 60_000 * Int64(1 + random.nextInt(below: 90))
            let late = random.nextInt(below: 5) == 0 ? Int64(random.nextInt(below: 7_200_000)) : 0
            let type = EventType.allCases[random.nextInt(below: EventType.allCases.count)]
            let tags = (0..<random.nextInt(below: 4)).map { _ in "tag\(random.nextInt(below: 12))" }
            let interaction = Interaction(
                userId: users[random.nextInt(below: users.count)], itemId: "item\(random.nextInt(below: 15))",
                type: type, timestamp: ts - late, tags: tags,
                authorId: random.nextInt(below: 4) == 0 ? nil : "author\(random.nextInt(below: 6))",
                country: random.nextInt(below: 3) == 0 ? "c\(random.nextInt(below: 3))" : nil,
                device: random.nextInt(below: 2) == 0 ? "d\(random.nextInt(below: 2))" : nil,
                lang: random.nextInt(below: 4) == 0 ? "l\(random.nextInt(below: 3))" : nil)
            let partition = Int32(random.nextInt(below: 2))
            let position = InputPosition(partition: partition, offset: firstOffset + Int64(index))
            events.append(PositionedInteraction(event: interaction, position: position))
        }
        return events
    }

    /// All users' states, by user id, from the snapshot path (`ProfileStateWriter`).
    static func states(_ engine: ProfileEngine) async -> [(userId: String, partition: Int32, state: [UInt8])] {
        await engine.snapshot(partitions: [0, 1]).sorted { $0.userId < $1.userId }
    }

    static func checksum(_ states: [(userId: String, partition: Int32, state: [UInt8])]) -> UInt64 {
        let bytes = states.flatMap { Array($0.userId.utf8) + [UInt8(truncatingIfNeeded: $0.partition)] + $0.state }
        return StableHash.words(bytes[...])
    }

    @Test(.timeLimit(.minutes(1))) func statesMatchTheEncodingBeforeTheOneAllocationLayout() async throws {
        let start: Int64 = 1_732_896_000_000
        let (engine, _) = EngineFixture.engine(Self.configuration())
        engine.submit(Self.events(seed: 1, count: 40, start: start, firstOffset: 0), token: 1)
        await engine.flush(partitions: nil)
        let states = await Self.states(engine)
        #expect(states.map(\.userId) == Self.users)
        // Every part is exercised: caps and limits reached, blocked items and authors, two partitions.
        let snapshots = try states.map { try ProfileStateCodec().decode($0.state) }
        #expect(snapshots.allSatisfy { $0.tags.count == 5 && $0.authors.count == 3 && $0.seenItems.count == 7 })
        #expect(snapshots.allSatisfy { !$0.windowBuckets.isEmpty && $0.offsets.count == 2 })
        #expect(snapshots.contains { !$0.notInterestedItems.isEmpty && !$0.notInterestedAuthors.isEmpty })
        #expect(snapshots.contains { $0.country != nil && $0.device != nil && $0.lang != nil })
        // The snapshot path and the codec over `ProfileSnapshot` agree.
        for entry in states { #expect(await engine.encodedState(userId: entry.userId) == entry.state) }

        let later = Self.events(seed: 2, count: 15, start: start + 5 * 86_400_000, firstOffset: 1_000)
        let (batch, _) = EngineFixture.engine(Self.configuration())
        #expect(await batch.restore(states) == states.count)
        batch.submit(later, token: 1)
        await batch.flush(partitions: nil)
        let batchStates = await Self.states(batch)

        let (single, _) = EngineFixture.engine(Self.configuration())
        for entry in states {
            try await single.restore(userId: entry.userId, partition: entry.partition, state: entry.state)
        }
        single.submit(later, token: 1)
        await single.flush(partitions: nil)
        let singleStates = await Self.states(single)
        #expect(singleStates.map(\.state) == batchStates.map(\.state))

        #expect(Self.checksum(states) == 12_799_778_538_723_237_546)
        #expect(Self.checksum(batchStates) == 6_844_872_875_188_564_670)
    }
}
