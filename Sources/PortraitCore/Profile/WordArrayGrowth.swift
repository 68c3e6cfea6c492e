/// Growth of a profile's word array by half its size instead of `Array`'s doubling.
///
/// A profile keeps scores, seen items and window entries in one array, so doubling it would leave
/// up to its whole size as slack between rounds (a heavy user's 8 KiB of words could hold 16 KiB);
/// growing by half bounds that to a third of the capacity, at the cost of a few more reallocations
/// while a profile grows (still amortised O(1) per word).
enum WordArrayGrowth {
    /// Words a growth adds at least, so that a new profile does not reallocate for each of its first words.
    static let minimumGrowth = 8

    /// Makes room for `count` more words in `words`.
    @inline(__always)
    static func reserve(_ words: inout [UInt32], adding count: Int) {
        let needed = words.count + count
        guard needed > words.capacity else { return }
        words.reserveCapacity(needed + max(words.count / 2, minimumGrowth))
    }
}
