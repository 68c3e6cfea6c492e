/// A seeded multiply-mix hash of a string's UTF-8 bytes, eight at a time, folded to 32 bits and
/// never 0 (0 marks an empty slot in `StringIdMap` and `SlotIndex`).
///
/// Much cheaper than `Hasher` (SipHash) for the short ids of the per-event path. Seeded per process
/// from `SystemRandomNumberGenerator`, so keys chosen by a producer can not be crafted offline to
/// collide. One seed for the whole process (`processSeed`): the decoder hashes each string once, while its
/// bytes are in cache, and every table (the shards' user indexes and symbol caches, the catalog's symbols)
/// looks that hash up as it is.
enum SeededStringHash {
    static func randomSeed() -> UInt64 {
        var random = SystemRandomNumberGenerator()
        return random.next()
    }

    /// The seed of every table's hash in this process.
    static let processSeed = randomSeed()

    /// The hash of `key`. An inline ASCII string (see `SmallASCIIString.words(of:)`, the usual id, tag and
    /// context value) is hashed from the two words it is stored in, with the same result as from its bytes.
    @inline(__always)
    static func hash(_ key: String, seed: UInt64) -> UInt32 {
        if let (low, high) = SmallASCIIString.words(of: key) { return hash(low: low, high: high, seed: seed) }
        return hash(bytesOf: key, seed: seed)
    }

    /// `hash(bytesOf:seed:)` of an inline string's words: bytes 0–7 in `low`, 8–14 in `high`, zero past the
    /// count, the count in `high`'s top byte's low nibble.
    @inline(__always)
    static func hash(low: UInt64, high: UInt64, seed: UInt64) -> UInt32 {
        let count = high >> 56 & 0x0F
        var state = seed ^ (count &* 0x9E37_79B9_7F4A_7C15)
        if count >= 8 {
            state = mix(state ^ low)
            if count > 8 { state = mix(state ^ (high & 0x00FF_FFFF_FFFF_FFFF) ^ 0xA076_1D64_78BD_642F) }
        } else if count > 0 {
            state = mix(state ^ low ^ 0xA076_1D64_78BD_642F)
        }
        return fold(mix(state))
    }

    /// The hash of `key`'s UTF-8 bytes, eight at a time.
    static func hash(bytesOf key: String, seed: UInt64) -> UInt32 {
        var key = key
        return key.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return fold(mix(seed)) }  // the empty string
            return hash(base, count: bytes.count, seed: seed)
        }
    }

    /// The hash of the `count` bytes at `bytes` (equal to that of a `String` of these UTF-8 bytes).
    ///
    /// When `readableCount` (how many bytes from `bytes` on may be read) leaves room, the last partial word is one
    /// masked load instead of a loop over its bytes: the decoder hashes every string in the input buffer, where
    /// the rest of the message follows.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawPointer, count: Int, readableCount: Int = 0, seed: UInt64) -> UInt32 {
        var state = seed ^ (UInt64(count) &* 0x9E37_79B9_7F4A_7C15)
        var offset = 0
        while offset &+ 8 <= count {
            state = mix(state ^ UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            offset &+= 8
        }
        if offset < count {
            var tail: UInt64 = 0
            if offset &+ 8 <= readableCount {
                let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                tail = word & ((1 &<< (UInt64(count &- offset) &* 8)) &- 1)
            } else {
                var shift: UInt64 = 0
                while offset < count {
                    tail |= UInt64(bytes.load(fromByteOffset: offset, as: UInt8.self)) << shift
                    shift &+= 8
                    offset &+= 1
                }
            }
            state = mix(state ^ tail ^ 0xA076_1D64_78BD_642F)
        }
        return fold(mix(state))
    }

    @inline(__always)
    private static func fold(_ full: UInt64) -> UInt32 {
        let folded = UInt32(truncatingIfNeeded: full >> 32) ^ UInt32(truncatingIfNeeded: full)
        return folded == 0 ? 1 : folded
    }

    @inline(__always)
    private static func mix(_ value: UInt64) -> UInt64 {
        let product = value.multipliedFullWidth(by: 0xE703_7ED1_A0B4_28DB)
        return product.high ^ product.low
    }
}
