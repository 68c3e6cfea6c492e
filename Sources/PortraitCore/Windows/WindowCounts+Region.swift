/// The window logic over a region `words[start ..< start + entryCount]` of a larger array (a profile keeps
/// its entries after its scores and seen items in one allocation). Inserting or removing an entry
/// moves the words after the region and updates `entryCount`.
extension WindowCounts {
    /// Counts `count` events at `ts` into the region, given the user's `asOf` after the event.
    static func add(
        type: EventType, at ts: Int64, asOf: Int64, count: UInt32 = 1, in words: inout [UInt32], start: Int,
        entryCount: inout Int
    ) {
        for window in 0..<3 {
            let bucket = ts >= 0 ? bucketIndex(ts, window: window) : 0
            add(
                window: window, type: type, bucket: bucket, asOf: asOf, count: count, in: &words, start: start,
                entryCount: &entryCount)
        }
    }

    private static func add(
        window: Int, type: EventType, bucket: Int64, asOf: Int64, count: UInt32, in words: inout [UInt32], start: Int,
        entryCount: inout Int
    ) {
        guard bucket * bucketSize(window) > asOf - length(window) else { return }
        let key = key(window: window, type: type, bucket: bucket)
        // Entries are grouped by window (ascending) and, within a window, kept in the order their
        // buckets opened; an in-order event's bucket is among the last few of its window's run.
        // Keys are unique, so scanning the run from its end finds the same entry as any order.
        let end = window == 2 ? start + entryCount : runEnd(of: window, in: words, start: start, count: entryCount)
        var index = end - 1
        while index >= start, Int(words[index] >> 30) == window {
            if words[index] & ~countMask == key {
                let total = min(countMask, (words[index] & countMask) &+ count)
                words[index] = key | total
                return
            }
            index -= 1
        }
        WordArrayGrowth.reserve(&words, adding: 1)
        words.insert(key | min(countMask, count), at: end)
        entryCount += 1
    }

    /// The index after the last entry of `window` in the region (entries are sorted by window).
    private static func runEnd(of window: Int, in words: [UInt32], start: Int, count: Int) -> Int {
        let bound = UInt32(window + 1) << 30
        return words.withUnsafeBufferPointer { words in
            start + partitionPoint(UnsafeBufferPointer(rebasing: words[start..<(start + count)]), below: bound)
        }
    }

    /// The number of leading entries below `bound` (entries below it form a prefix): a heavy user's region has
    /// hundreds of entries and this search runs twice per event (see `BranchFreeSearch`).
    static func partitionPoint(_ entries: UnsafeBufferPointer<UInt32>, below bound: UInt32) -> Int {
        guard let base = entries.baseAddress else { return 0 }
        return BranchFreeSearch.partitionPoint(count: entries.count) { base[$0] < bound }
    }

    /// Drops the region's buckets that no longer count once `as_of` moves from `previous` to `asOf`
    /// (they never will again: `as_of` only grows). Entries are decoded against `previous`, where they are valid.
    static func prune(
        from previous: Int64, to asOf: Int64, in words: inout [UInt32], start: Int, entryCount: inout Int
    ) {
        let end = start + entryCount
        guard entryCount > 0 else { return }
        let kept = words.withUnsafeMutableBufferPointer { words in
            var kept = start
            for index in start..<end where counts(words[index], asOf: previous, at: asOf) {
                words[kept] = words[index]
                kept += 1
            }
            return kept
        }
        guard kept < end else { return }
        words.removeSubrange(kept..<end)
        entryCount = kept - start
    }

    /// Adds one entry of `absoluteEntries(asOf:)` to the region (unknown windows or types are ignored).
    static func add(absolute value: UInt64, asOf: Int64, in words: inout [UInt32], start: Int, entryCount: inout Int) {
        let window = Int((value >> 62) & 3)
        let rawType = UInt8((value >> 59) & 7)
        guard window < 3, let type = EventType(rawValue: rawType) else { return }
        let bucket = Int64((value >> 32) & ((1 << 27) - 1))
        add(
            window: window, type: type, bucket: bucket, asOf: asOf, count: UInt32(truncatingIfNeeded: value),
            in: &words, start: start, entryCount: &entryCount)
    }

    static func counts(_ entry: UInt32, asOf: Int64, at t: Int64) -> Bool {
        let window = Int(entry >> 30)
        return bucket(of: entry, asOf: asOf) * bucketSize(window) > t - length(window)
    }

    /// Adds the counts of all three windows stated at `t ≥ asOf` to `counts[window * 8 + type raw value]`
    /// (24 slots), in one pass and no array.
    static func addCounts(
        _ entries: UnsafeBufferPointer<UInt32>, asOf: Int64, at t: Int64, into counts: UnsafeMutablePointer<UInt32>
    ) {
        for entry in entries where Self.counts(entry, asOf: asOf, at: t) {
            counts[Int(entry >> 30) &* 8 &+ Int((entry >> 27) & 7)] &+= entry & countMask
        }
    }

    /// Entries as (window, type, absolute bucket, count), for the state codec.
    static func absoluteEntries(_ entries: UnsafeBufferPointer<UInt32>, asOf: Int64) -> [UInt64] {
        entries.map { absolute($0, asOf: asOf) }
    }

    /// Calls `body` with each of `absoluteEntries` in order, without building the array.
    static func forEachAbsoluteEntry(_ entries: UnsafeBufferPointer<UInt32>, asOf: Int64, _ body: (UInt64) -> Void) {
        for entry in entries { body(absolute(entry, asOf: asOf)) }
    }

    @inline(__always)
    private static func absolute(_ entry: UInt32, asOf: Int64) -> UInt64 {
        let bucket = UInt64(truncatingIfNeeded: Self.bucket(of: entry, asOf: asOf)) & ((1 << 27) - 1)
        return UInt64(entry >> 27) << 59 | bucket << 32 | UInt64(entry & Self.countMask)
    }
}
