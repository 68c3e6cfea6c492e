/// The most popular items of one tag (or of the whole catalog), best first, at most `capacity` long.
///
/// Popularity values share the catalog's reference time, so their order never changes by decay
/// alone; popularity only grows through interactions, so keeping the top `capacity` under
/// increments is exact. Removals (tombstones, changed tags) may leave a list short until
/// interactions refill it.
struct CandidateList {
    struct Entry {
        var item: UInt32
        /// The item's author (0 = none), kept here so ranking needs no item lookups.
        var author: UInt32
        var popularity: Double
    }

    private(set) var entries: [Entry] = []
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Records `item` at its new `popularity` (never lower than what the list holds for it).
    mutating func offer(item: UInt32, author: UInt32, popularity: Double) {
        if entries.count == capacity, let last = entries.last, popularity < last.popularity {
            return  // cannot be in the list: its old value was lower still
        }
        var index: Int
        if let found = entries.firstIndex(where: { $0.item == item }) {
            entries[found].popularity = popularity
            entries[found].author = author
            index = found
        } else if entries.count < capacity {
            entries.append(Entry(item: item, author: author, popularity: popularity))
            index = entries.count - 1
        } else {
            entries[entries.count - 1] = Entry(item: item, author: author, popularity: popularity)
            index = entries.count - 1
        }
        while index > 0, Self.precedes(entries[index], entries[index - 1]) {
            entries.swapAt(index, index - 1)
            index -= 1
        }
    }

    mutating func remove(item: UInt32) {
        entries.removeAll { $0.item == item }
    }

    mutating func scale(by factor: Double) {
        for index in entries.indices { entries[index].popularity *= factor }
    }

    /// Higher popularity first; ties by the older (smaller) id so the order is deterministic.
    private static func precedes(_ lhs: Entry, _ rhs: Entry) -> Bool {
        lhs.popularity > rhs.popularity || (lhs.popularity == rhs.popularity && lhs.item < rhs.item)
    }
}
