/// `Recommender`'s working storage: raw buffers allocated once per shard and reused for every user.
///
/// Every pointer is a `let`, so the hot loops pay neither bounds nor exclusivity checks; the size
/// follows the configuration (`interestsForRecommendations × candidatesPerTag` interest candidates
/// plus the popular list), and `Recommender` builds a larger one if a user ever needs it.
///
/// Exclusion of seen items works the other way round from a set of seen items: the candidates (a
/// hundred or two) go into the open-addressing table first, then each of the user's seen items (up to
/// 1,000) is one probe of that table, most of them ending at an empty slot. No sort, no filter.
final class RecommenderScratch {
    struct Candidate {
        var item: UInt32
        var author: UInt32
        var bestTag: UInt32
        /// Seen, `not_interested`, or by a blocked author.
        var excluded: Bool
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
    /// Open addressing from item id to `item << 32 | candidate index + 1` (0 = empty), at most a
    /// quarter full: a probe compares the item in the slot itself, without loading the candidate
    /// (most of a heavy user's thousand seen-item probes end at an empty slot or a mismatch).
    let table: UnsafeMutablePointer<UInt64>
    let tableMask: Int

    init(candidates: Int) {
        candidateCapacity = max(1, candidates)
        self.candidates = .allocate(capacity: candidateCapacity)
        keys = .allocate(capacity: candidateCapacity)
        var size = 16
        while size < candidateCapacity * 4 { size *= 2 }
        table = .allocate(capacity: size)
        table.initialize(repeating: 0, count: size)
        tableMask = size - 1
    }

    deinit {
        candidates.deallocate()
        keys.deallocate()
        table.deallocate()
    }

    /// Empties the table of the `count` candidates the last user left in it (cheaper than clearing
    /// the whole table when a user had few).
    func clear(count: Int) {
        if count * 16 > tableMask {
            table.update(repeating: 0, count: tableMask + 1)
            return
        }
        for index in 0..<count {
            var slot = Self.home(candidates[index].item, mask: tableMask)
            while table[slot] != 0 {
                table[slot] = 0
                slot = (slot + 1) & tableMask
            }
        }
    }

    @inline(__always)
    private static func home(_ item: UInt32, mask: Int) -> Int {
        Int(truncatingIfNeeded: (item &* 0x9E37_79B1) >> 7) & mask
    }

    /// Marks the candidate of each of `items` (if any) excluded.
    func exclude(_ items: UnsafeBufferPointer<UInt32>) {
        for item in items {
            var slot = Self.home(item, mask: tableMask)
            while true {
                let stored = table[slot]
                if stored == 0 { break }
                if UInt32(truncatingIfNeeded: stored >> 32) == item {
                    candidates[Int(truncatingIfNeeded: stored & 0xFFFF_FFFF) - 1].excluded = true
                    break
                }
                slot = (slot + 1) & tableMask
            }
        }
    }

    /// The table slot of `item`, and its candidate index (−1 if absent: then `slot` is where it goes).
    @inline(__always)
    func find(_ item: UInt32) -> (slot: Int, found: Int) {
        var slot = Self.home(item, mask: tableMask)
        while true {
            let stored = table[slot]
            if stored == 0 { return (slot, -1) }
            if UInt32(truncatingIfNeeded: stored >> 32) == item {
                return (slot, Int(truncatingIfNeeded: stored & 0xFFFF_FFFF) - 1)
            }
            slot = (slot + 1) & tableMask
        }
    }

    /// Records candidate `index` (holding `item`) at the empty `slot` that `find` returned.
    @inline(__always)
    func insert(_ item: UInt32, index: Int, at slot: Int) {
        table[slot] = UInt64(item) << 32 | UInt64(index + 1)
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

    /// Moves the best `wanted` of the `count` keys to `keys[0..<wanted]`, best first, leaving all
    /// `count` keys (permuted) in `keys[0..<count]`.
    ///
    /// A bounded heap with the worst of the best-so-far at its root: most keys lose to that floor on
    /// the score alone and are never sifted, where a full heap would order all of them.
    func selectBest(_ wanted: Int, count: Int, names: SymbolNames) {
        guard wanted > 0 else { return }
        var node = wanted / 2 - 1
        while node >= 0 {
            siftDown(node, count: wanted, names: names, worstFirst: true)
            node -= 1
        }
        for index in wanted..<count where better(keys[index], keys[0], names: names) {
            let floor = keys[0]
            keys[0] = keys[index]
            keys[index] = floor
            siftDown(0, count: wanted, names: names, worstFirst: true)
        }
        var size = wanted
        while size > 1 {
            size -= 1
            let worst = keys[0]
            keys[0] = keys[size]
            keys[size] = worst
            siftDown(0, count: size, names: names, worstFirst: true)
        }
    }

    /// Restores the heap order below `start`: best key at the root, or worst with `worstFirst`.
    private func siftDown(_ start: Int, count: Int, names: SymbolNames, worstFirst: Bool = false) {
        @inline(__always) func precedes(_ lhs: Key, _ rhs: Key) -> Bool {
            worstFirst ? better(rhs, lhs, names: names) : better(lhs, rhs, names: names)
        }
        var node = start
        let moving = keys[node]
        while true {
            let left = 2 * node + 1
            guard left < count else { break }
            var child = left
            if left + 1 < count, precedes(keys[left + 1], keys[left]) { child = left + 1 }
            guard precedes(keys[child], moving) else { break }
            keys[node] = keys[child]
            node = child
        }
        keys[node] = moving
    }
}
