/// The tags of catalog items, copied once and kept across emission rounds while the catalog's
/// `itemsRevision` stays the same.
///
/// An open-addressing table from item id (never 0) to a `start << 32 | count` range of `tags`. It is
/// emptied when the revision changes (an item record or tombstone arrived: tags may have changed) and
/// when it holds `maxItems`, so it never grows past a few hundred KiB.
struct ItemTagCache {
    /// Allocated by the first `validate` (an empty cache, as built when a view is moved out, costs nothing).
    private var keys: [UInt32] = []
    private var ranges: [UInt64] = []
    private(set) var tags: [UInt32] = []
    private var count = 0
    private var revision: UInt64 = .max

    static let maxItems = 4_096

    /// Empties the cache unless it was filled at catalog revision `current` and has room.
    mutating func validate(revision current: UInt64) {
        if keys.isEmpty {
            keys = [UInt32](repeating: 0, count: 2 * Self.maxItems)
            ranges = [UInt64](repeating: 0, count: 2 * Self.maxItems)
        }
        guard current != revision || count >= Self.maxItems else { return }
        if count > 0 {
            keys.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            tags.removeAll(keepingCapacity: true)
            count = 0
        }
        revision = current
    }

    @inline(__always)
    private func home(_ item: UInt32) -> Int {
        Int(truncatingIfNeeded: (item &* 0x9E37_79B1) >> 7) & (keys.count - 1)
    }

    /// The cached range of `item`'s tags in `tags`.
    func range(of item: UInt32) -> UInt64? {
        keys.withUnsafeBufferPointer { keys in
            var slot = home(item)
            while true {
                let key = keys[slot]
                if key == item { return ranges[slot] }
                if key == 0 { return nil }
                slot = (slot + 1) & (keys.count - 1)
            }
        }
    }

    /// Caches `item`'s tags (not cached yet); returns their range.
    mutating func add(_ item: UInt32, tags itemTags: [UInt32]) -> UInt64 {
        let range = UInt64(tags.count) << 32 | UInt64(itemTags.count)
        tags.append(contentsOf: itemTags)
        var slot = home(item)
        while keys[slot] != 0 { slot = (slot + 1) & (keys.count - 1) }
        keys[slot] = item
        ranges[slot] = range
        count += 1
        return range
    }
}
