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
    /// Per popular entry: its tags as `start << 32 | count` in `tagCache.tags`, or `noRecord` when the
    /// catalog holds no record for it.
    private var popularTags: [UInt64] = []
    /// Tags of items that were popular in earlier rounds, so that a round (with `emit_interval_ms = 0`,
    /// one per part of a few events) does not look up the eighty popular items' records again.
    private var tagCache = ItemTagCache()

    private static let noRecord = UInt64.max

    /// Empties the view, keeping its storage for the next round.
    mutating func reset() {
        reference = nil
        entries.removeAll(keepingCapacity: true)
        lists.removeAll(keepingCapacity: true)
        popular.removeAll(keepingCapacity: true)
        popularTags.removeAll(keepingCapacity: true)
    }

    /// Whether the list of `tag` was already copied (or found absent) this round.
    func contains(tag: UInt32) -> Bool { lists[tag] != nil }

    /// Copies the catalog-wide parts: the reference time and the popular list. Call under the lock.
    mutating func capturePopular(from state: CatalogState, names: inout SymbolNames) {
        reference = state.reference
        popular.append(contentsOf: state.popular.entries)
        tagCache.validate(revision: state.itemsRevision)
        for entry in popular {
            names.learn(entry.item, from: state.symbols)
            if let range = tagCache.range(of: entry.item) {
                popularTags.append(range)
            } else if let tags = state.items[entry.item]?.tags {
                popularTags.append(tagCache.add(entry.item, tags: tags))
            } else {
                popularTags.append(Self.noRecord)  // not cached: a record may appear without a revision
            }
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
        let range = popularTags[index]
        guard range != Self.noRecord else { return (false, false) }
        let start = Int(truncatingIfNeeded: range >> 32)
        let end = start + Int(truncatingIfNeeded: range & 0xFFFF_FFFF)
        for position in start..<end {
            let tag = tagCache.tags[position]
            if tags.contains(where: { $0.symbol == tag }) { return (true, true) }
        }
        return (true, false)
    }
}
