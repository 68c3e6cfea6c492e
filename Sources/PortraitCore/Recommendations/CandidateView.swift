/// What recommending needs from the catalog, copied once per emission round under the catalog lock.
///
/// Only the candidate lists of tags that some user of the round has among its top interests are copied
/// (≤ `candidatesPerTag` entries each), plus the popular list with each popular item's tags. Users are
/// then scored outside the lock, from this immutable copy, while other shards keep ingesting; no copy
/// of the catalog's dictionaries is ever made (a copy-on-write view of them would be duplicated by the
/// next write of another shard).
struct CandidateView {
    /// Reference time of every popularity value (nil: nothing has popularity yet).
    private(set) var reference: Int64?
    private(set) var entries: [CandidateList.Entry] = []
    /// Per copied tag: where its list lies in `entries`.
    private var lists: [UInt32: Range<Int32>] = [:]
    private(set) var popular: [CandidateList.Entry] = []
    /// Per popular entry: its tags as `popularTags[popularTagStarts[i]..<popularTagStarts[i + 1]]`,
    /// or `hasRecord[i] == false` when the catalog holds no record for it.
    private var popularTags: [UInt32] = []
    private var popularTagStarts: [Int32] = []
    private var hasRecord: [Bool] = []

    /// Empties the view, keeping its storage for the next round.
    mutating func reset() {
        reference = nil
        entries.removeAll(keepingCapacity: true)
        lists.removeAll(keepingCapacity: true)
        popular.removeAll(keepingCapacity: true)
        popularTags.removeAll(keepingCapacity: true)
        popularTagStarts.removeAll(keepingCapacity: true)
        hasRecord.removeAll(keepingCapacity: true)
    }

    /// Whether the list of `tag` was already copied (or found absent) this round.
    func contains(tag: UInt32) -> Bool { lists[tag] != nil }

    /// Copies the catalog-wide parts: the reference time and the popular list. Call under the lock.
    mutating func capturePopular(from state: CatalogState, names: inout SymbolNames) {
        reference = state.reference
        popular.append(contentsOf: state.popular.entries)
        popularTagStarts.append(0)
        for entry in popular {
            names.learn(entry.item, from: state.symbols)
            if let record = state.items[entry.item] {
                popularTags.append(contentsOf: record.tags)
                hasRecord.append(true)
            } else {
                hasRecord.append(false)
            }
            popularTagStarts.append(Int32(popularTags.count))
        }
    }

    /// Copies the candidate list of `tag` (if not yet copied), learning its items' names. Call under the lock.
    mutating func capture(tag: UInt32, from state: CatalogState, names: inout SymbolNames) {
        guard lists[tag] == nil else { return }
        let start = Int32(entries.count)
        if let list = state.tagLists[tag] {
            for entry in list.entries {
                names.learn(entry.item, from: state.symbols)
                entries.append(entry)
            }
        }
        lists[tag] = start..<Int32(entries.count)
    }

    /// The copied candidate list of `tag` (empty when the catalog has none).
    func list(_ tag: UInt32) -> Range<Int> {
        guard let range = lists[tag] else { return 0..<0 }
        return Int(range.lowerBound)..<Int(range.upperBound)
    }

    /// Whether popular entry `index` has a catalog record, and if so whether any of its tags is in `tags`.
    func popularEntry(_ index: Int, sharesTagWith tags: ArraySlice<Profile.ScoreEntry>) -> (hasRecord: Bool, shares: Bool) {
        guard hasRecord[index] else { return (false, false) }
        for position in Int(popularTagStarts[index])..<Int(popularTagStarts[index + 1]) {
            let tag = popularTags[position]
            if tags.contains(where: { $0.symbol == tag }) { return (true, true) }
        }
        return (true, false)
    }
}
