import Testing

@testable import PortraitCore

/// The shards' prefetch hints read arrays' element addresses in place (`elementsAddress`), relying on how a native
/// array is laid out. A wrong address would not break anything but the hint; these tests make that loss visible.
@Suite struct PrefetchTests {
    @Test func elementsAddressIsTheFirstElement() {
        var words: [UInt32] = [1, 2, 3]
        var names = ["a", "b"]
        var profiles = [Profile(userId: "u"), Profile(userId: "v")]
        let expected = (
            words.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress!) },
            names.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress!) },
            profiles.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress!) }
        )
        #expect(elementsAddress(&words) == expected.0)
        #expect(elementsAddress(&names) == expected.1)
        #expect(elementsAddress(&profiles) == expected.2)
    }

    @Test func wordsOfASlabEntryAreFoundInPlace() {
        var profile = Profile(userId: "u")
        profile.setRegions(scores: [Profile.ScoreEntry(key: 1, value: 2)], seen: [7], windows: [])
        var slab = [profile]
        let expected = slab[0].words.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress!) }
        #expect(elementsAddress(&slab[0].words) == expected)
    }

    /// Prefetching changes nothing a store answers (the hints run on the engine's every part; here directly).
    @Test func hintsLeaveTheStoreAlone() {
        var store = ProfileStore()
        let slots = (0..<100).map { store.slotCreating("user\($0)").slot }
        for (number, slot) in slots.enumerated() {
            let hash = store.userHash("user\(number)")
            store.prefetchIndex(hash: hash)
            store.prefetchCandidate(hash: hash)
            store.prefetchEntry(slot)
            store.prefetchWords(slot)
            #expect(store.slotCreating("user\(number)", hash: hash) == (slot, false))
        }
        #expect(store.count == 100)
    }
}
