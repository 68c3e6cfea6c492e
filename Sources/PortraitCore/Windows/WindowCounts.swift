/// Sparse sliding-window counts by event type for 1h / 24h / 7d (CONTRACT §4 `windows`).
///
/// Each window has buckets of 1/60 of its length (1 min, 24 min, 168 min); an event increments
/// one bucket per window. A bucket counts for a window stated at `t` iff it starts after
/// `t − window`, so counts are exact when `t` is the last millisecond of a bucket and otherwise
/// leave out at most one bucket's worth of the oldest events.
///
/// An entry is one `UInt32`: window (2 bits), type (3), bucket index modulo 64 (6), count (21,
/// saturating). Only buckets that can still count are kept — at most 61 per window and type, all
/// within 64 buckets of `as_of` — so the residue identifies the bucket given `as_of`.
/// Entries are sorted by window; within a window they keep the order their buckets opened in.
/// - Important: `prune(from:to:)` must run whenever `as_of` moves into a new minute, before `add`.
struct WindowCounts: Equatable {
    static let names = ["1h", "24h", "7d"]
    static let lengths: [Int64] = [3_600_000, 86_400_000, 604_800_000]
    static let bucketSizes: [Int64] = lengths.map { $0 / 60 }
    static let countMask: UInt32 = (1 << 21) - 1

    var entries: [UInt32] = []

    var estimatedHeapBytes: Int {
        entries.capacity == 0 ? 0 : 32 + entries.capacity * MemoryLayout<UInt32>.stride
    }

    private static func key(window: Int, type: EventType, bucket: Int64) -> UInt32 {
        UInt32(window) << 30 | UInt32(type.rawValue) << 27 | UInt32(truncatingIfNeeded: bucket & 63) << 21
    }

    /// The absolute bucket index of an entry, given the profile's `asOf`.
    private static func bucket(of entry: UInt32, asOf: Int64) -> Int64 {
        let window = Int(entry >> 30)
        let newest = asOf / bucketSizes[window]
        let residue = Int64((entry >> 21) & 63)
        return newest - ((newest - residue) & 63)
    }

    /// Counts `count` events at `ts`, given the user's `asOf` after the event.
    mutating func add(type: EventType, at ts: Int64, asOf: Int64, count: UInt32 = 1) {
        for window in 0..<3 {
            let size = Self.bucketSizes[window]
            let bucket = ts >= 0 ? ts / size : 0
            add(window: window, type: type, bucket: bucket, asOf: asOf, count: count)
        }
    }

    private mutating func add(window: Int, type: EventType, bucket: Int64, asOf: Int64, count: UInt32) {
        guard bucket * Self.bucketSizes[window] > asOf - Self.lengths[window] else { return }
        let key = Self.key(window: window, type: type, bucket: bucket)
        // Entries are grouped by window (ascending) and, within a window, kept in the order their
        // buckets opened; an in-order event's bucket is among the last few of its window's run.
        // Keys are unique, so scanning the run from its end finds the same entry as any order.
        let end = window == 2 ? entries.count : Self.runEnd(of: window, in: entries)
        var index = end - 1
        while index >= 0, Int(entries[index] >> 30) == window {
            if entries[index] & ~Self.countMask == key {
                let total = min(Self.countMask, (entries[index] & Self.countMask) &+ count)
                entries[index] = key | total
                return
            }
            index -= 1
        }
        entries.insert(key | min(Self.countMask, count), at: end)
    }

    /// The index after the last entry of `window` (entries are sorted by window).
    private static func runEnd(of window: Int, in entries: [UInt32]) -> Int {
        var low = 0
        var high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if Int(entries[mid] >> 30) <= window { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Drops buckets that no longer count once `as_of` moves from `previous` to `asOf` (they never
    /// will again: `as_of` only grows). Entries are decoded against `previous`, where they are valid.
    mutating func prune(from previous: Int64, to asOf: Int64) {
        entries.removeAll { !Self.counts($0, asOf: previous, at: asOf) }
    }

    private static func counts(_ entry: UInt32, asOf: Int64, at t: Int64) -> Bool {
        let window = Int(entry >> 30)
        return bucket(of: entry, asOf: asOf) * bucketSizes[window] > t - lengths[window]
    }

    /// Counts by type (indexed by raw value) of `window` stated at `t ≥ asOf`.
    func counts(window: Int, asOf: Int64, at t: Int64) -> [UInt32] {
        var result = [UInt32](repeating: 0, count: EventType.allCases.count)
        for entry in entries where Int(entry >> 30) == window && Self.counts(entry, asOf: asOf, at: t) {
            result[Int((entry >> 27) & 7)] &+= entry & Self.countMask
        }
        return result
    }

    /// Adds the counts of all three windows stated at `t ≥ asOf` to `counts[window * 8 + type raw value]`
    /// (24 slots): what `counts(window:asOf:at:)` gives for each window, in one pass and no array.
    func addCounts(asOf: Int64, at t: Int64, into counts: UnsafeMutablePointer<UInt32>) {
        for entry in entries where Self.counts(entry, asOf: asOf, at: t) {
            counts[Int(entry >> 30) &* 8 &+ Int((entry >> 27) & 7)] &+= entry & Self.countMask
        }
    }

    /// Entries as (window, type, absolute bucket, count), for the state codec.
    func absoluteEntries(asOf: Int64) -> [UInt64] {
        entries.map { Self.absolute($0, asOf: asOf) }
    }

    /// Calls `body` with each of `absoluteEntries(asOf:)` in order, without building the array.
    func forEachAbsoluteEntry(asOf: Int64, _ body: (UInt64) -> Void) {
        for entry in entries { body(Self.absolute(entry, asOf: asOf)) }
    }

    @inline(__always)
    private static func absolute(_ entry: UInt32, asOf: Int64) -> UInt64 {
        let bucket = UInt64(truncatingIfNeeded: Self.bucket(of: entry, asOf: asOf)) & ((1 << 27) - 1)
        return UInt64(entry >> 27) << 59 | bucket << 32 | UInt64(entry & Self.countMask)
    }

    /// Rebuilds entries from `absoluteEntries`, keeping only buckets that still count at `asOf`.
    init(absolute: [UInt64], asOf: Int64) {
        for value in absolute { add(absolute: value, asOf: asOf) }
    }

    /// Adds one entry of `absoluteEntries(asOf:)` (entries of an unknown window or type are ignored).
    mutating func add(absolute value: UInt64, asOf: Int64) {
        let window = Int((value >> 62) & 3)
        let rawType = UInt8((value >> 59) & 7)
        guard window < 3, let type = EventType(rawValue: rawType) else { return }
        let bucket = Int64((value >> 32) & ((1 << 27) - 1))
        add(window: window, type: type, bucket: bucket, asOf: asOf, count: UInt32(truncatingIfNeeded: value))
    }

    init() {}
}
