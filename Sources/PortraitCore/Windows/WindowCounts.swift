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
/// The value holds its own `entries`; a profile keeps the same entries as a region of its one word
/// array and uses the static functions over a region (`WindowCounts+Region`).
/// - Important: `prune(from:to:)` must run whenever `as_of` moves into a new minute, before `add`.
struct WindowCounts: Equatable {
    static let names = ["1h", "24h", "7d"]
    static let countMask: UInt32 = (1 << 21) - 1

    /// The length of `window` (0: 1 h, 1: 24 h, 2: 7 d), ms.
    ///
    /// Literals in a switch rather than a table: every applied event divides its timestamp by the three bucket sizes
    /// and a prune divides once per entry; with constants the compiler turns each 64-bit division (tens of cycles)
    /// into a multiplication, and no lazily initialised global is checked on the way.
    @inline(__always)
    static func length(_ window: Int) -> Int64 {
        switch window {
        case 0: 3_600_000
        case 1: 86_400_000
        default: 604_800_000
        }
    }

    /// The bucket size of `window`: 1/60 of its length (1 min, 24 min, 168 min), ms.
    @inline(__always)
    static func bucketSize(_ window: Int) -> Int64 {
        switch window {
        case 0: 60_000
        case 1: 1_440_000
        default: 10_080_000
        }
    }

    /// `value / bucketSize(window)` with a constant divisor in each branch.
    @inline(__always)
    static func bucketIndex(_ value: Int64, window: Int) -> Int64 {
        switch window {
        case 0: value / 60_000
        case 1: value / 1_440_000
        default: value / 10_080_000
        }
    }

    var entries: [UInt32] = []

    static func key(window: Int, type: EventType, bucket: Int64) -> UInt32 {
        UInt32(window) << 30 | UInt32(type.rawValue) << 27 | UInt32(truncatingIfNeeded: bucket & 63) << 21
    }

    /// The absolute bucket index of an entry, given the profile's `asOf`.
    static func bucket(of entry: UInt32, asOf: Int64) -> Int64 {
        let window = Int(entry >> 30)
        let newest = bucketIndex(asOf, window: window)
        let residue = Int64((entry >> 21) & 63)
        return newest - ((newest - residue) & 63)
    }

    /// Counts `count` events at `ts`, given the user's `asOf` after the event.
    mutating func add(type: EventType, at ts: Int64, asOf: Int64, count: UInt32 = 1) {
        var entryCount = entries.count
        Self.add(type: type, at: ts, asOf: asOf, count: count, in: &entries, start: 0, entryCount: &entryCount)
    }

    /// Drops buckets that no longer count once `as_of` moves from `previous` to `asOf`.
    mutating func prune(from previous: Int64, to asOf: Int64) {
        var entryCount = entries.count
        Self.prune(from: previous, to: asOf, in: &entries, start: 0, entryCount: &entryCount)
    }

    /// Counts by type (indexed by raw value) of `window` stated at `t ≥ asOf`.
    func counts(window: Int, asOf: Int64, at t: Int64) -> [UInt32] {
        var result = [UInt32](repeating: 0, count: EventType.allCases.count)
        for entry in entries where Int(entry >> 30) == window && Self.counts(entry, asOf: asOf, at: t) {
            result[Int((entry >> 27) & 7)] &+= entry & Self.countMask
        }
        return result
    }

    /// Entries as (window, type, absolute bucket, count), for the state codec.
    func absoluteEntries(asOf: Int64) -> [UInt64] {
        entries.withUnsafeBufferPointer { Self.absoluteEntries($0, asOf: asOf) }
    }

    /// Rebuilds entries from `absoluteEntries`, keeping only buckets that still count at `asOf`.
    init(absolute: [UInt64], asOf: Int64) {
        for value in absolute { add(absolute: value, asOf: asOf) }
    }

    /// Adds one entry of `absoluteEntries(asOf:)` (entries of an unknown window or type are ignored).
    mutating func add(absolute value: UInt64, asOf: Int64) {
        var entryCount = entries.count
        Self.add(absolute: value, asOf: asOf, in: &entries, start: 0, entryCount: &entryCount)
    }

    init() {}
}
