/// Growth of a profile's word array by a quarter of its size (plus a few words) instead of `Array`'s doubling.
///
/// A profile keeps scores, seen items and window entries in one array, so doubling it would leave
/// up to its whole size as slack until the next round compacts it (a heavy user's 12 KiB of words could
/// hold 24 KiB). Growing by a quarter bounds that slack to a fifth of the capacity, and the fixed
/// `minimumGrowth` keeps a small profile from reallocating for each of its first few events (still
/// amortised O(1) per word: the growth is geometric).
enum WordArrayGrowth {
    /// Words a growth adds besides a quarter of the count: about one event's worth for a new profile.
    static let minimumGrowth = 16

    /// Makes room for `count` more words in `words`.
    @inline(__always)
    static func reserve(_ words: inout [UInt32], adding count: Int) {
        let needed = words.count + count
        guard needed > words.capacity else { return }
        words.reserveCapacity(needed + words.count / 4 + minimumGrowth)
    }
}
