/// A map from `String` to `UInt32`, open addressing with linear probing and a cheap seeded hash of
/// the UTF-8 bytes: the engine's per-event lookups (user → profile slot, item/tag/author → symbol).
///
/// `Dictionary<String, _>` hashes with SipHash through `Hasher` (a seed, a combine per chunk and a
/// finalisation) and was the engine's largest single cost per event. Here one probe word holds the
/// entry's 32-bit hash and its value, so a miss or a hit on a different key costs one cache line,
/// and keys are compared only when the hashes agree.
///
/// The hash (`SeededStringHash`) is seeded per table, so ids chosen by a producer can not be
/// crafted offline to collide. Deletion shifts the following run back (no tombstones), so
/// probe lengths do not degrade under churn.
struct StringIdMap {
    /// Per slot: `hash << 32 | value`, or 0 when empty (a stored hash is never 0).
    private var meta: [UInt64]
    private var keys: [String]
    private var mask: Int
    private(set) var count = 0
    private let seed: UInt64

    init(capacity: Int = 16) {
        var size = 16
        while size * 3 / 4 < capacity { size *= 2 }
        meta = [UInt64](repeating: 0, count: size)
        keys = [String](repeating: "", count: size)
        mask = size - 1
        seed = SeededStringHash.randomSeed()
    }

    var isEmpty: Bool { count == 0 }

    subscript(key: String) -> UInt32? {
        get {
            let hash = hash(of: key)
            var index = Int(truncatingIfNeeded: hash) & mask
            while true {
                let word = meta[index]
                if word == 0 { return nil }
                if UInt32(truncatingIfNeeded: word >> 32) == hash, keys[index] == key {
                    return UInt32(truncatingIfNeeded: word)
                }
                index = (index &+ 1) & mask
            }
        }
        set {
            if let newValue { insert(key, newValue) } else { remove(key) }
        }
    }

    /// Sets `key` to `value` (replacing an existing value).
    mutating func insert(_ key: String, _ value: UInt32) {
        if (count + 1) * 4 > meta.count * 3 { grow() }
        let hash = hash(of: key)
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let word = meta[index]
            if word == 0 { break }
            if UInt32(truncatingIfNeeded: word >> 32) == hash, keys[index] == key {
                meta[index] = UInt64(hash) << 32 | UInt64(value)
                return
            }
            index = (index &+ 1) & mask
        }
        meta[index] = UInt64(hash) << 32 | UInt64(value)
        keys[index] = key
        count += 1
    }

    /// Removes `key` if present, shifting later entries of its probe run back into the gap.
    mutating func remove(_ key: String) {
        let hash = hash(of: key)
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let word = meta[index]
            if word == 0 { return }
            if UInt32(truncatingIfNeeded: word >> 32) == hash, keys[index] == key { break }
            index = (index &+ 1) & mask
        }
        var gap = index
        var next = (gap &+ 1) & mask
        while meta[next] != 0 {
            let home = Int(truncatingIfNeeded: meta[next] >> 32) & mask
            // Move `next` into the gap unless its home lies cyclically in (gap, next].
            let distanceToNext = (next &- home) & mask
            let distanceToGap = (gap &- home) & mask
            if distanceToGap < distanceToNext {
                meta[gap] = meta[next]
                keys.swapAt(gap, next)
                gap = next
            }
            next = (next &+ 1) & mask
        }
        meta[gap] = 0
        keys[gap] = ""
        count -= 1
    }

    /// Every (key, value), in no particular order.
    func forEach(_ body: (String, UInt32) -> Void) {
        for index in meta.indices where meta[index] != 0 {
            body(keys[index], UInt32(truncatingIfNeeded: meta[index]))
        }
    }

    var values: [UInt32] {
        var result: [UInt32] = []
        result.reserveCapacity(count)
        forEach { _, value in result.append(value) }
        return result
    }

    private mutating func grow() {
        let oldMeta = meta
        let oldKeys = keys
        let size = meta.count * 2
        meta = [UInt64](repeating: 0, count: size)
        keys = [String](repeating: "", count: size)
        mask = size - 1
        count = 0
        for index in oldMeta.indices where oldMeta[index] != 0 {
            let hash = UInt32(truncatingIfNeeded: oldMeta[index] >> 32)
            var slot = Int(truncatingIfNeeded: hash) & mask
            while meta[slot] != 0 { slot = (slot &+ 1) & mask }
            meta[slot] = oldMeta[index]
            keys[slot] = oldKeys[index]
            count += 1
        }
    }

    private func hash(of key: String) -> UInt32 { SeededStringHash.hash(key, seed: seed) }
}
