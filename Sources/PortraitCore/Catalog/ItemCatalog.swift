import Synchronization

/// The item catalog shared by all shards: item records (§3), items learned from interactions,
/// their decayed popularity, per-tag candidate lists, and the process-wide string interner.
///
/// Thread-safe: all state sits behind one `Mutex`. Shards take it once per applied part (intern
/// the part's cache misses, resolve catalog tags/authors, learn new items) and once per emission
/// round (merge the shard's `PopularityDeltas`, take the copy-on-write view it renders from),
/// never once per event.
public final class ItemCatalog: Sendable {
    let configuration: EngineConfiguration
    private let state: Mutex<CatalogState>

    public init(configuration: EngineConfiguration) {
        self.configuration = configuration
        self.state = Mutex(
            CatalogState(
                candidatesPerTag: configuration.candidatesPerTag,
                popularCapacity: max(64, configuration.recommendationsK * 4),
                halfLifeMs: configuration.halfLifeMs
            )
        )
    }

    /// Adds or replaces an item record; its tags and author become authoritative for interactions.
    public func upsert(_ item: CatalogItem, atMs: Int64) {
        state.withLock { state in
            let id = state.symbols.intern(item.itemId)
            state.itemsRevision &+= 1
            let tags = Self.uniqueTags(item.tags.map { state.symbols.intern($0) })
            let author = item.authorId.map { state.symbols.intern($0) } ?? 0
            var record = state.items[id] ?? CatalogState.ItemRecord(tags: [], author: 0, fromCatalog: true)
            if !state.items.isLive(id) { state.liveItems += 1 }
            state.removeFromLists(item: id, tags: record.tags)
            record.tags = tags
            record.author = author
            record.fromCatalog = true
            record.removed = false
            state.items[id] = record
            state.offerToLists(item: id, record: record)
        }
    }

    /// Applies a tombstone: the item is never recommended again (until a new record arrives).
    public func remove(itemId: String) {
        state.withLock { state in
            let id = state.symbols.intern(itemId)
            state.itemsRevision &+= 1
            var record = state.items[id] ?? CatalogState.ItemRecord(tags: [], author: 0, fromCatalog: true)
            if state.items.isLive(id) { state.liveItems -= 1 }
            state.removeFromLists(item: id, tags: record.tags)
            record.removed = true
            record.fromCatalog = true
            record.popularity = 0
            state.items[id] = record
        }
    }

    /// Items that are candidates: catalog records and items learned from interactions, minus tombstones.
    public var count: Int { state.withLock { $0.liveItems } }

    /// Distinct interned strings (tags, authors, items, context values).
    public var symbolCount: Int { state.withLock { $0.symbols.count } }

    /// Runs `body` with exclusive access to the catalog state.
    func withState<Result>(_ body: (inout CatalogState) throws -> Result) rethrows -> Result {
        try state.withLock { try body(&$0) }
    }

    static func uniqueTags(_ tags: [UInt32]) -> [UInt32] {
        var result: [UInt32] = []
        result.reserveCapacity(tags.count)
        for tag in tags where !result.contains(tag) { result.append(tag) }
        return result
    }
}
