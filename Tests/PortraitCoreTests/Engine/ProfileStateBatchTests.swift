import Testing

@testable import PortraitCore

/// The batch decoder of the restore path builds exactly the profile the one-by-one path builds.
@Suite struct ProfileStateBatchTests {
    @Test func batchProfilesEqualProfilesFromSnapshots() async throws {
        let state = try await ProfileStateCodecTests.sample()
        var snapshot = try ProfileStateCodec().decode(state)
        snapshot.userId = "bob"
        snapshot.partition = 7
        var symbols = SymbolTable()
        let expected = Profile(snapshot: snapshot, symbols: &symbols).snapshot(symbols: symbols)

        var batch = ProfileStateBatch()
        // A non-ASCII tag takes the validating string path.
        var other = snapshot
        other.tags.append(.init(name: "café", value: 1.5))
        let otherState = ProfileStateCodec().encode(other)
        #expect(try batch.add(userId: "zed", partition: 1, state: otherState) == other.version)
        #expect(try batch.add(userId: "bob", partition: 7, state: state) == snapshot.version)
        #expect(batch.count == 2)
        let ids = batch.intern(into: &symbols)
        #expect(ids.count == batch.names.count)
        #expect(batch.profile(1, ids: ids).snapshot(symbols: symbols) == expected)
        let zed = batch.profile(0, ids: ids).snapshot(symbols: symbols)
        #expect(zed.userId == "zed")
        #expect(zed.partition == 1)
        #expect(Set(zed.tags.map(\.name)) == Set(other.tags.map(\.name)))

        // Again with the short names now cached: same profile, and cached names are not pooled as strings.
        batch.learn(ids)
        batch.removeAll()
        try batch.add(userId: "bob", partition: 7, state: state)
        #expect(batch.names.contains(""))
        #expect(batch.profile(0, ids: batch.intern(into: &symbols)).snapshot(symbols: symbols) == expected)
    }

    /// Both restore paths leave a byte estimate that matches the arrays (it is kept by their observers, not read
    /// from them), with not_interested marks and an offset for each of several partitions.
    @Test func restoredProfilesEstimateTheirArrays() async throws {
        var snapshot = try ProfileStateCodec().decode(try await ProfileStateCodecTests.sample())
        snapshot.notInterestedItems = (0..<40).map { "item\($0)" }
        snapshot.notInterestedAuthors = ["a1", "a2"]
        snapshot.offsets = (0..<24).map { InputPosition(partition: $0, offset: 100 + Int64($0)) }
        func expectedBytes(_ profile: Profile) -> Int {
            func heap<T>(_ array: [T]) -> Int { array.capacity == 0 ? 0 : 32 + array.capacity * MemoryLayout<T>.stride }
            return MemoryLayout<Profile>.stride + heap(profile.words) + heap(profile.blocked) + heap(profile.moreOffsets)
        }
        var symbols = SymbolTable()
        let single = Profile(snapshot: snapshot, symbols: &symbols)
        #expect(single.moreOffsets.count == 23 && single.blocked.count == 42)
        #expect(single.estimatedBytes == expectedBytes(single))
        var batch = ProfileStateBatch()
        try batch.add(userId: snapshot.userId, partition: snapshot.partition, state: ProfileStateCodec().encode(snapshot))
        let batched = batch.profile(0, ids: batch.intern(into: &symbols))
        #expect(batched.moreOffsets.count == 23 && batched.blocked.count == 42)
        #expect(batched.estimatedBytes == expectedBytes(batched))
    }

    @Test func aBadStateLeavesTheBatchUnchanged() async throws {
        let state = try await ProfileStateCodecTests.sample()
        var batch = ProfileStateBatch()
        try batch.add(userId: "a", partition: 0, state: state)
        let names = batch.names
        #expect(throws: ProfileStateCodecError.self) { try batch.add(userId: "b", partition: 0, state: Array(state.dropLast())) }
        var corrupt = state
        corrupt[corrupt.count / 2] ^= 0xff
        #expect(throws: ProfileStateCodecError.self) { try batch.add(userId: "b", partition: 0, state: corrupt) }
        // Valid frame, invalid content found after some names were pooled: they are taken back.
        var infinite = try ProfileStateCodec().decode(state)
        infinite.authors.append(.init(name: "nobody", value: .infinity))
        #expect(throws: ProfileStateCodecError.invalidValue("score")) {
            try batch.add(userId: "b", partition: 0, state: ProfileStateCodec().encode(infinite))
        }
        #expect(batch.count == 1)
        #expect(batch.names == names)
        try batch.add(userId: "c", partition: 0, state: state)
        batch.removeLast()
        #expect(batch.count == 1)
        #expect(batch.names == names)
    }
}
