/// Sparse sliding-window counts by event type for 1h / 24h / 7d (CONTRACT §4 `windows`).
///
/// Each window has buckets of 1/60 of its length (1 min, 24 min, 168 min); an event increments
/// one bucket per window. A bucket counts for a window stated at `t` iff it starts after
/// `t − window`, so counts are exact when `t` is the last millisecond of a bucket and otherwise
/// leave out at most one bucket's worth of the oldest events. Buckets that can no longer count are
/// pruned as `as_of` advances; entries are 8 bytes, only for (window, type, bucket) that occurred.
struct WindowCounts: Equatable {
    /// `window << 30 | type << 27 | bucket index` and the count.
    struct Entry: Equatable {
        var key: UInt32
        var count: UInt32
    }

    static let names = ["1h", "24h", "7d"]
    static let lengths: [Int64] = [3_600_000, 86_400_000, 604_800_000]
    static let bucketSizes: [Int64] = lengths.map { $0 / 60 }
    static let bucketMask: UInt32 = (1 << 27) - 1

    var entries: [Entry] = []

    var estimatedHeapBytes: Int {
        entries.capacity == 0 ? 0 : 32 + entries.capacity * MemoryLayout<Entry>.stride
    }

    static func key(window: Int, type: EventType, bucket: Int64) -> UInt32 {
        UInt32(window) << 30 | UInt32(type.rawValue) << 27 | (UInt32(truncatingIfNeeded: bucket) & bucketMask)
    }

    /// Counts one event at `ts`, given the user's `asOf` after the event.
    mutating func add(type: EventType, at ts: Int64, asOf: Int64, count: UInt32 = 1) {
        for window in 0..<3 {
            let size = Self.bucketSizes[window]
            let bucket = ts >= 0 ? ts / size : 0
            guard bucket * size > asOf - Self.lengths[window] else { continue }
            let key = Self.key(window: window, type: type, bucket: bucket)
            if let index = entries.firstIndex(where: { $0.key == key }) {
                entries[index].count &+= count
            } else {
                entries.append(Entry(key: key, count: count))
            }
        }
    }

    /// Drops buckets that no longer count at `asOf` (they never will again: `as_of` only grows).
    mutating func prune(asOf: Int64) {
        entries.removeAll { !Self.counts($0.key, at: asOf) }
    }

    static func counts(_ key: UInt32, at t: Int64) -> Bool {
        let window = Int(key >> 30)
        let start = Int64(key & bucketMask) * bucketSizes[window]
        return start > t - lengths[window]
    }

    /// Counts by type (indexed by raw value) of `window` stated at `t`.
    func counts(window: Int, at t: Int64) -> [UInt32] {
        var result = [UInt32](repeating: 0, count: EventType.allCases.count)
        for entry in entries where Int(entry.key >> 30) == window && Self.counts(entry.key, at: t) {
            result[Int((entry.key >> 27) & 7)] &+= entry.count
        }
        return result
    }
}
