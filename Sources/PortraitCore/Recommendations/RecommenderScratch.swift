/// `Recommender`'s working storage: raw buffers allocated once per shard and reused for every user.
///
/// Every pointer is a `let`, so the hot loops pay neither bounds nor exclusivity checks; the sizes
/// follow the configuration (`interestsForRecommendations × candidatesPerTag` candidates,
/// `seenItemsPerUser` seen items), and `Recommender` builds a larger one if a user ever needs it.
final class RecommenderScratch {
    struct Candidate {
        var item: UInt32
        var author: UInt32
        var bestTag: UInt32
        var popularity: Double
        var interest: Double
        var bestInterest: Double
        var score: Double = 0
    }

    /// Ranking key: the score, with the candidate it belongs to (ties go to the candidates themselves).
    struct Key {
        var score: Double
        var index: Int32
    }

    let candidateCapacity: Int
    let candidates: UnsafeMutablePointer<Candidate>
    let keys: UnsafeMutablePointer<Key>
    /// Open addressing from item id to candidate index + 1 (0 = empty).
    let table: UnsafeMutablePointer<Int32>
    let tableMask: Int
    /// A 4,096-bit filter of the current user's seen items: a clear bit means "not seen".
    let seenFilter: UnsafeMutablePointer<UInt64>
    let seenCapacity: Int
    /// The current user's seen items, sorted when there are more than `linearSeenLimit`.
    let seen: UnsafeMutablePointer<UInt32>

    static let linearSeenLimit = 16
    private static let filterWords = 64

    init(candidates: Int, seen: Int) {
        candidateCapacity = max(1, candidates)
        self.candidates = .allocate(capacity: candidateCapacity)
        keys = .allocate(capacity: candidateCapacity)
        var size = 16
        while size < candidateCapacity * 2 { size *= 2 }
        table = .allocate(capacity: size)
        table.initialize(repeating: 0, count: size)
        tableMask = size - 1
        seenFilter = .allocate(capacity: Self.filterWords)
        seenFilter.initialize(repeating: 0, count: Self.filterWords)
        seenCapacity = max(1, seen)
        self.seen = .allocate(capacity: seenCapacity)
    }

    deinit {
        candidates.deallocate()
        keys.deallocate()
        table.deallocate()
        seenFilter.deallocate()
        seen.deallocate()
    }

    /// Clears the table and loads `items` as the seen set; returns how many are held (`nil`: too many,
    /// the caller checks `Profile.seen` itself).
    func reset(seen items: [UInt32]) -> Int? {
        table.update(repeating: 0, count: tableMask + 1)
        seenFilter.update(repeating: 0, count: Self.filterWords)
        guard items.count <= seenCapacity else { return nil }
        items.withUnsafeBufferPointer { source in
            for (index, item) in source.enumerated() {
                seen[index] = item
                let bit = Self.filterBit(item)
                seenFilter[bit >> 6] |= 1 << UInt64(bit & 63)
            }
        }
        if items.count > Self.linearSeenLimit {
            var buffer = UnsafeMutableBufferPointer(start: seen, count: items.count)
            buffer.sort()
        }
        return items.count
    }

    @inline(__always)
    private static func filterBit(_ item: UInt32) -> Int {
        Int(truncatingIfNeeded: (item &* 0x9E37_79B1) >> 20)
    }

    /// Whether `item` is among the `count` seen items loaded by `reset`.
    @inline(__always)
    func isSeen(_ item: UInt32, count: Int) -> Bool {
        let bit = Self.filterBit(item)
        guard seenFilter[bit >> 6] & (1 << UInt64(bit & 63)) != 0 else { return false }
        if count <= Self.linearSeenLimit {
            for index in 0..<count where seen[index] == item { return true }
            return false
        }
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if seen[mid] < item { low = mid + 1 } else { high = mid }
        }
        return low < count && seen[low] == item
    }

    /// The table slot of `item`, and its candidate index (−1 if absent: then `slot` is where it goes).
    @inline(__always)
    func find(_ item: UInt32) -> (slot: Int, found: Int) {
        var slot = Int(truncatingIfNeeded: (item &* 0x9E37_79B1) >> 7) & tableMask
        while true {
            let stored = table[slot]
            if stored == 0 { return (slot, -1) }
            if candidates[Int(stored) - 1].item == item { return (slot, Int(stored) - 1) }
            slot = (slot + 1) & tableMask
        }
    }

    // MARK: Ranking heap over `keys` (best first: score, then interest, then item id as a string)

    @inline(__always)
    private func better(_ lhs: Key, _ rhs: Key, names: SymbolNames) -> Bool {
        if lhs.score != rhs.score { return lhs.score > rhs.score }
        let left = candidates[Int(lhs.index)]
        let right = candidates[Int(rhs.index)]
        if left.interest != right.interest { return left.interest > right.interest }
        return names.precedes(left.item, right.item)
    }

    func buildHeap(count: Int, names: SymbolNames) {
        var node = count / 2 - 1
        while node >= 0 {
            siftDown(node, count: count, names: names)
            node -= 1
        }
    }

    /// Removes the best of the `count` keys of the heap; returns its candidate index.
    func popBest(count: inout Int, names: SymbolNames) -> Int? {
        guard count > 0 else { return nil }
        let best = keys[0]
        count -= 1
        if count > 0 {
            keys[0] = keys[count]
            siftDown(0, count: count, names: names)
        }
        return Int(best.index)
    }

    private func siftDown(_ start: Int, count: Int, names: SymbolNames) {
        var node = start
        let moving = keys[node]
        while true {
            let left = 2 * node + 1
            guard left < count else { break }
            var child = left
            if left + 1 < count, better(keys[left + 1], keys[left], names: names) { child = left + 1 }
            guard better(keys[child], moving, names: names) else { break }
            keys[node] = keys[child]
            node = child
        }
        keys[node] = moving
    }
}
