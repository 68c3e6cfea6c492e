import Testing

@testable import PortraitCore

@Suite struct ProfileStateCodecTests {
    static func sample() async throws -> [UInt8] {
        let (engine, _) = EngineFixture.engine(EngineFixture.configuration())
        let events = try EngineFixture.workedExample().enumerated().map {
            PositionedInteraction(event: $0.element, position: InputPosition(partition: 2, offset: Int64(100 + $0.offset)))
        }
        engine.submit(events, token: 1)
        await engine.flush(partitions: nil)
        return try #require(await engine.encodedState(userId: "alice"))
    }

    @Test func roundTripRestoresTheSameProfile() async throws {
        let state = try await Self.sample()
        let snapshot = try ProfileStateCodec().decode(state)
        #expect(snapshot.userId == "alice")
        #expect(snapshot.events == 6)
        #expect(snapshot.version == 1)
        #expect(snapshot.offsets == [InputPosition(partition: 2, offset: 105)])
        #expect(snapshot.notInterestedItems == ["v5"])
        #expect(snapshot.notInterestedAuthors == ["gg_pro"])
        #expect(snapshot.seenItems.count == 6)
        #expect(snapshot.device == .init(value: "ios", timestamp: 1_732_986_001_000))
        #expect(ProfileStateCodec().encode(snapshot) == state)

        let (engine, _) = EngineFixture.engine(EngineFixture.configuration())
        try await engine.restore(userId: "alice", partition: 2, state: state)
        // Symbol ids (and so the order of scores) differ between engines; the content may not.
        func normalized(_ snapshot: ProfileSnapshot) -> ProfileSnapshot {
            var copy = snapshot
            copy.tags.sort { $0.name < $1.name }
            copy.authors.sort { $0.name < $1.name }
            copy.windowBuckets.sort()
            return copy
        }
        let again = try ProfileStateCodec().decode(try #require(await engine.encodedState(userId: "alice")))
        #expect(normalized(again) == normalized(snapshot))
        let profile = try EngineFixture.json(await engine.profileJSON(userId: "alice", at: nil))
        #expect(EngineFixture.close(EngineFixture.scores(profile, "interests", key: "tag")["cooking"]!, 3.237583296))
    }

    /// Format 1 (FNV-1a checksum) states written by older builds still decode; a wrong checksum of
    /// either kind is refused.
    @Test func formatOneStillDecodes() async throws {
        let state = try await Self.sample()
        #expect(state[4] == ProfileStateCodec.formatVersion)
        #expect(ProfileStateCodec.formatVersion == 2)
        var old = Array(state.dropLast(8))
        old[4] = 1
        let checksum = StableHash.fnv1a(old)
        for shift in stride(from: 0, to: 64, by: 8) { old.append(UInt8(truncatingIfNeeded: checksum >> UInt64(shift))) }
        #expect(try ProfileStateCodec().decode(old) == ProfileStateCodec().decode(state))
        var relabelled = state
        relabelled[4] = 1
        #expect(throws: ProfileStateCodecError.badChecksum) { try ProfileStateCodec().decode(relabelled) }
        var future = state
        future[4] = 3
        #expect(throws: ProfileStateCodecError.unsupportedVersion(3)) { try ProfileStateCodec().decode(future) }
    }

    @Test func wordChecksumSeesEveryByteAndTheLength() {
        let bytes: [UInt8] = (0..<37).map { UInt8($0 &* 7) }
        let base = StableHash.words(bytes[...])
        for index in bytes.indices {
            var changed = bytes
            changed[index] ^= 0x80
            #expect(StableHash.words(changed[...]) != base)
        }
        #expect(StableHash.words(bytes[..<36]) != StableHash.words((bytes[..<36] + [0])[...]))
        #expect(StableHash.words([UInt8]()[...]) != StableHash.words([0][...]))
    }

    @Test func garbageIsRejectedNeverTraps() async throws {
        let state = try await Self.sample()
        let codec = ProfileStateCodec()
        #expect(throws: ProfileStateCodecError.truncated) { try codec.decode([]) }
        #expect(throws: ProfileStateCodecError.badMagic) { try codec.decode(Array("garbage garbage garbage".utf8)) }
        for cut in [5, 13, state.count / 2, state.count - 1] {
            #expect(throws: ProfileStateCodecError.self) { try codec.decode(Array(state[..<cut])) }
        }
        var random = SplitMix64(seed: 3)
        for _ in 0..<2_000 {
            var mutated = state
            for _ in 0...random.nextInt(below: 4) {
                mutated[random.nextInt(below: mutated.count)] = UInt8(truncatingIfNeeded: random.next())
            }
            if mutated == state { continue }
            #expect(throws: ProfileStateCodecError.self) { try codec.decode(mutated) }
        }
        for length in 0..<200 {
            let noise = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            #expect(throws: ProfileStateCodecError.self) { try codec.decode(Array("PRTS".utf8) + [1] + noise) }
        }
        let (engine, _) = EngineFixture.engine(EngineFixture.configuration())
        await #expect(throws: ProfileStateCodecError.self) {
            try await engine.restore(userId: "x", partition: 0, state: Array(state.dropLast()))
        }
    }
}
