import CPortraitPrefetch

/// The user index of a `ProfileStore`: open addressing over one `UInt64` per slot holding the user
/// id's 32-bit hash and the profile's slab slot; the ids themselves live only in the profiles.
///
/// Keeping the key out of the table saves a `String` (16 bytes, times the load factor's slack) per
/// user, and a lookup compares against `Profile.userId` in the slab entry the caller reads next
/// anyway, so a hit touches one table word and the profile instead of a separate key array.
struct SlotIndex {
    /// Per table slot: `hash << 32 | (slab slot + 1)`, or 0 when empty.
    private var words: [UInt64]
    private var mask: Int
    private(set) var count = 0
    let seed = SeededStringHash.processSeed

    init() {
        words = [UInt64](repeating: 0, count: 16)
        mask = 15
    }

    func hash(of userId: String) -> UInt32 { SeededStringHash.hash(userId, seed: seed) }

    /// Prefetches the first probe of `hash`.
    @inline(__always)
    mutating func prefetch(hash: UInt32) {
        let index = Int(truncatingIfNeeded: hash) & mask
        portrait_prefetch(elementsAddress(&words) + index &* 8)
    }

    /// The slab slot stored under `hash` for which `matches` holds.
    func find(hash: UInt32, matches: (Int32) -> Bool) -> Int32? {
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let word = words[index]
            if word == 0 { return nil }
            if UInt32(truncatingIfNeeded: word >> 32) == hash {
                let slot = Int32(truncatingIfNeeded: word) - 1
                if matches(slot) { return slot }
            }
            index = (index &+ 1) & mask
        }
    }

    /// Adds `slot` under `hash` (the caller knows its user is absent).
    mutating func insert(hash: UInt32, slot: Int32) {
        if (count + 1) * 4 > words.count * 3 { grow() }
        var index = Int(truncatingIfNeeded: hash) & mask
        while words[index] != 0 { index = (index &+ 1) & mask }
        words[index] = UInt64(hash) << 32 | UInt64(UInt32(slot + 1))
        count += 1
    }

    /// Removes the entry of `slot` (stored under `hash`), shifting the rest of its probe run back.
    mutating func remove(hash: UInt32, slot: Int32) {
        let word = UInt64(hash) << 32 | UInt64(UInt32(slot + 1))
        var gap = Int(truncatingIfNeeded: hash) & mask
        while words[gap] != word {
            guard words[gap] != 0 else { return }
            gap = (gap &+ 1) & mask
        }
        var next = (gap &+ 1) & mask
        while words[next] != 0 {
            let home = Int(truncatingIfNeeded: words[next] >> 32) & mask
            if (gap &- home) & mask < (next &- home) & mask {
                words[gap] = words[next]
                gap = next
            }
            next = (next &+ 1) & mask
        }
        words[gap] = 0
        count -= 1
    }

    /// Every stored slab slot, in no particular order.
    var slots: [Int32] {
        var result: [Int32] = []
        result.reserveCapacity(count)
        for word in words where word != 0 { result.append(Int32(truncatingIfNeeded: word) - 1) }
        return result
    }

    private mutating func grow() {
        let old = words
        words = [UInt64](repeating: 0, count: old.count * 2)
        mask = words.count - 1
        for word in old where word != 0 {
            var index = Int(truncatingIfNeeded: word >> 32) & mask
            while words[index] != 0 { index = (index &+ 1) & mask }
            words[index] = word
        }
    }
}
