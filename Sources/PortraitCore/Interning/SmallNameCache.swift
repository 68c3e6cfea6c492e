/// Symbol ids of short names (≤ 7 UTF-8 bytes) keyed by their packed bytes: a shard's cache for restore.
///
/// Restoring a million profiles resolves ~50 names each, nearly all short (`v123`, `tag42`, `BR`) and
/// seen before. Packing a name's bytes and length into one `UInt64` and probing an open-addressing
/// table with a multiplicative hash skips building the `String`, SipHash and the catalog lock for
/// those. Ids stay valid: the symbol table only ever appends.
struct SmallNameCache {
    private var keys: [UInt64] = []
    private var ids: [UInt32] = []
    private var count = 0
    private var shift: UInt64 = 64 - 11

    /// The packed key of `length` bytes at `offset` of `bytes` (caller checks bounds); 0 if too long.
    static func key(_ bytes: [UInt8], offset: Int, length: Int) -> UInt64 {
        guard length <= 7 else { return 0 }
        var key = UInt64(length + 1) << 56
        for index in 0..<length { key |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
        return key
    }

    /// The packed key of `name`, 0 if longer than 7 bytes.
    static func key(_ name: String) -> UInt64 {
        let utf8 = name.utf8
        guard utf8.count <= 7 else { return 0 }
        var key = UInt64(utf8.count + 1) << 56
        for (index, byte) in utf8.enumerated() { key |= UInt64(byte) << (8 * UInt64(index)) }
        return key
    }

    /// The cached id of `key`, 0 if unknown.
    func id(_ key: UInt64) -> UInt32 {
        guard !keys.isEmpty else { return 0 }
        var index = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        let mask = keys.count - 1
        while true {
            let stored = keys[index]
            if stored == key { return ids[index] }
            if stored == 0 { return 0 }
            index = (index + 1) & mask
        }
    }

    mutating func insert(_ key: UInt64, id: UInt32) {
        guard key != 0 else { return }
        if (count + 1) * 2 > keys.count { grow() }
        var index = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        let mask = keys.count - 1
        while keys[index] != 0 {
            if keys[index] == key { return }
            index = (index + 1) & mask
        }
        keys[index] = key
        ids[index] = id
        count += 1
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldIds = ids
        let capacity = max(1 << 12, oldKeys.count * 2)
        keys = Array(repeating: 0, count: capacity)
        ids = Array(repeating: 0, count: capacity)
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        count = 0
        for index in oldKeys.indices where oldKeys[index] != 0 { insert(oldKeys[index], id: oldIds[index]) }
    }
}
