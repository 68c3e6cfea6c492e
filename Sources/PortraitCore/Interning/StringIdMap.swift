import CPortraitPrefetch

/// A map from `String` to `UInt32`, open addressing with linear probing and a cheap seeded hash of
/// the UTF-8 bytes: the engine's per-event symbol lookups (item, tag and author names → symbol ids).
///
/// `Dictionary<String, _>` hashes with SipHash through `Hasher` (a seed, a combine per chunk and a
/// finalisation) and was the engine's largest single cost per event. Here one probe word holds the
/// entry's 32-bit hash and its value, so a miss or a hit on a different key costs one cache line,
/// and keys are compared only when the hashes agree.
///
/// Batched lookups (`hash(of:)` for many keys, `prefetch(hash:)` each, then `subscript(_:hash:)`) overlap the
/// cache misses of their probes instead of waiting for each in turn.
///
/// The hash (`SeededStringHash`) is seeded per process, so ids chosen by a producer can not be
/// crafted offline to collide, and the decoder's hash of an arena string is looked up as it is.
/// Entries are never removed: symbols live as long as the process.
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
        seed = SeededStringHash.processSeed
    }

    subscript(key: String) -> UInt32? {
        self[key, hash: hash(of: key)]
    }

    /// The value of `key`, whose `hash(of:)` is `hash`.
    subscript(key: String, hash hash: UInt32) -> UInt32? {
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

    /// The value of `name`, a string of `view`'s batch (hashed by the decoder).
    subscript(name: ArenaString, in view: BatchView) -> UInt32? {
        var index = Int(truncatingIfNeeded: name.hash) & mask
        while true {
            let word = meta[index]
            if word == 0 { return nil }
            if UInt32(truncatingIfNeeded: word >> 32) == name.hash, view.equals(name, keys[index]) {
                return UInt32(truncatingIfNeeded: word)
            }
            index = (index &+ 1) & mask
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

    /// This table's hash of `key` (never 0).
    @inline(__always)
    func hash(of key: String) -> UInt32 { SeededStringHash.hash(key, seed: seed) }

    /// Prefetches the first probe of a key whose `hash(of:)` is `hash`: its slot's hash word and key.
    @inline(__always)
    mutating func prefetch(hash: UInt32) {
        let index = Int(truncatingIfNeeded: hash) & mask
        portrait_prefetch(elementsAddress(&meta) + index &* MemoryLayout<UInt64>.stride)
        portrait_prefetch(elementsAddress(&keys) + index &* MemoryLayout<String>.stride)
    }
}
