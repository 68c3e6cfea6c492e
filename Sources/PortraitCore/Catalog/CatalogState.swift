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
    var items = ItemTable()
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
        items.updateEach { $0.popularity *= factor }
        for key in tagLists.keys { tagLists[key]!.scale(by: factor) }
        popular.scale(by: factor)
        reference = newReference
    }
}

/// Item records by symbol id, in a dense array: symbol ids are handed out in sequence from 1, and most symbols are
/// items. `nil` where a symbol is not an item (a tag, an author, a context value) or not known as one yet.
///
/// A `[UInt32: ItemRecord]` hashed every id with SipHash, once per applied event and once per item of a round's
/// popularity merge; here a lookup is an index. The per-event questions (is the item known, is its record
/// authoritative, is it tombstoned) read a byte of flags per id, not the record: reading an optional record copies
/// it, and retaining its cold tag array was a cache miss per event. Memory: one 32-byte slot and one byte per
/// symbol, where the dictionary spent about 48 bytes per item (key, value and load-factor slack).
struct ItemTable {
    private var records: [CatalogState.ItemRecord?] = []
    /// Per id: `Flags` of its record (0: none).
    private var flags: [UInt8] = []

    private enum Flags {
        static let present: UInt8 = 1
        static let fromCatalog: UInt8 = 2
        static let removed: UInt8 = 4
    }

    subscript(id: UInt32) -> CatalogState.ItemRecord? {
        _read {
            if Int(id) < records.count { yield records[Int(id)] } else { yield nil }
        }
        _modify {
            let index = Int(id)
            if index >= records.count {
                records.append(contentsOf: repeatElement(nil, count: index + 1 - records.count))
                flags.append(contentsOf: repeatElement(0, count: index + 1 - flags.count))
            }
            yield &records[index]
            flags[index] = records[index].map { record in
                Flags.present | (record.fromCatalog ? Flags.fromCatalog : 0) | (record.removed ? Flags.removed : 0)
            } ?? 0
        }
    }

    /// Whether `id` has a record (possibly a tombstone).
    @inline(__always)
    func contains(_ id: UInt32) -> Bool { flags(of: id) != 0 }

    /// Whether `id` has a record that is not a tombstone.
    @inline(__always)
    func isLive(_ id: UInt32) -> Bool { flags(of: id) & (Flags.present | Flags.removed) == Flags.present }

    /// Whether `id`'s record came from the catalog topic and is not a tombstone: its tags and author are the item's.
    @inline(__always)
    func isAuthoritative(_ id: UInt32) -> Bool {
        flags(of: id) & (Flags.present | Flags.fromCatalog | Flags.removed) == Flags.present | Flags.fromCatalog
    }

    @inline(__always)
    private func flags(of id: UInt32) -> UInt8 { Int(id) < flags.count ? flags[Int(id)] : 0 }

    /// Runs `body` on every record (which must keep its `fromCatalog` and `removed`).
    mutating func updateEach(_ body: (inout CatalogState.ItemRecord) -> Void) {
        for index in records.indices where flags[index] != 0 { body(&records[index]!) }
    }
}
