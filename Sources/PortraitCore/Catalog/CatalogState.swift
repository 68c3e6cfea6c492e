/// Everything `ItemCatalog` guards with its lock: the symbol table, items and candidate lists.
struct CatalogState {
    /// What the catalog knows of one item, from item records or learned from interactions.
    struct ItemRecord {
        var tags: [UInt32]
        var author: UInt32
        /// Σ max(w, 0) · 2^((ts − reference) / H) over the interactions with the item.
        var popularity: Double = 0
        /// `true` once an item record (§3) described it; interactions then no longer change its tags.
        var fromCatalog: Bool
        /// A tombstone removed it: never a candidate, and interactions do not bring it back.
        var removed: Bool = false
    }

    var symbols = SymbolTable()
    var items: [UInt32: ItemRecord] = [:]
    var tagLists: [UInt32: CandidateList] = [:]
    var popular: CandidateList
    /// Reference time of all popularity values, ms; set by the first interaction.
    var reference: Int64?
    var liveItems = 0
    /// Bumped whenever an item record or tombstone may change an existing item's tags (interactions
    /// only ever create records), so shards may keep copies of tags until it moves (`ItemTagCache`).
    var itemsRevision: UInt64 = 0
    let candidatesPerTag: Int
    let halfLifeMs: Double

    init(candidatesPerTag: Int, popularCapacity: Int, halfLifeMs: Double) {
        self.candidatesPerTag = candidatesPerTag
        self.popular = CandidateList(capacity: popularCapacity)
        self.halfLifeMs = halfLifeMs
    }

    /// Popularity of `item` as of `at` (0 when unknown).
    func popularity(of record: ItemRecord, at: Int64) -> Double {
        guard let reference else { return 0 }
        return record.popularity * Decay.factor(from: reference, to: at, halfLifeMs: halfLifeMs)
    }

    mutating func offerToLists(item: UInt32, record: ItemRecord) {
        for tag in record.tags {
            tagLists[tag, default: CandidateList(capacity: candidatesPerTag)]
                .offer(item: item, author: record.author, popularity: record.popularity)
        }
        popular.offer(item: item, author: record.author, popularity: record.popularity)
    }

    mutating func removeFromLists(item: UInt32, tags: [UInt32]) {
        for tag in tags { tagLists[tag]?.remove(item: item) }
        popular.remove(item: item)
    }

    /// Restates every popularity against a new reference time.
    mutating func rebase(to newReference: Int64) {
        let factor = Decay.factor(from: reference!, to: newReference, halfLifeMs: halfLifeMs)
        for key in items.keys { items[key]!.popularity *= factor }
        for key in tagLists.keys { tagLists[key]!.scale(by: factor) }
        popular.scale(by: factor)
        reference = newReference
    }
}
