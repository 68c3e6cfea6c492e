/// One interaction with every string interned and the catalog's tags/author filled in.
struct ResolvedEvent {
    var type: EventType
    var timestamp: Int64
    /// w_e of CONTRACT §4.
    var weight: Double
    var item: UInt32
    var author: UInt32
    var tagStart: Int32
    var tagCount: Int32
    var country: UInt32
    var device: UInt32
    var lang: UInt32
    var position: InputPosition
    /// The user's slot in the shard's profile store.
    var slot: Int32
}

/// A part of events resolved under one catalog lock; tags of all events share one pool.
struct ResolvedPart {
    var events: [ResolvedEvent] = []
    var tagPool: [UInt32] = []
}

extension ItemCatalog {
    /// w_e: the type weight, scaled by min(1, watch/duration) for a view that has both.
    static func weight(of event: Interaction, weights: EventWeights) -> Double {
        let base = weights[event.type]
        if event.type == .view, let watch = event.watchMs, let duration = event.durationMs, duration > 0 {
            return base * min(1, Double(max(0, watch)) / Double(duration))
        }
        return base
    }

    /// Interns and resolves `events[i]` for every `(i, slot)` in `accepted`, learning unknown items
    /// and adding popularity, all under one lock acquisition.
    func resolve(_ events: [PositionedInteraction], accepted: [(index: Int, slot: Int32)]) -> ResolvedPart {
        var part = ResolvedPart()
        part.events.reserveCapacity(accepted.count)
        let weights = configuration.weights
        withState { state in
            for (index, slot) in accepted {
                let positioned = events[index]
                let event = positioned.event
                let item = state.symbols.intern(event.itemId)
                let tagStart = part.tagPool.count
                var author: UInt32 = 0
                var record = state.items[item]
                if let tags = event.tags {
                    for tag in tags {
                        let id = state.symbols.intern(tag)
                        if !part.tagPool[tagStart...].contains(id) { part.tagPool.append(id) }
                    }
                } else if let record, !record.removed {
                    part.tagPool.append(contentsOf: record.tags)
                }
                if let authorId = event.authorId {
                    author = state.symbols.intern(authorId)
                } else if let record, !record.removed {
                    author = record.author
                }
                if record == nil {
                    record = CatalogState.ItemRecord(
                        tags: Array(part.tagPool[tagStart...]), author: author, fromCatalog: false)
                    state.items[item] = record
                    state.liveItems += 1
                    state.offerToLists(item: item, record: record!)
                }
                let weight = Self.weight(of: event, weights: weights)
                state.addPopularity(item: item, weight: weight, at: event.timestamp)
                part.events.append(
                    ResolvedEvent(
                        type: event.type,
                        timestamp: event.timestamp,
                        weight: weight,
                        item: item,
                        author: author,
                        tagStart: Int32(tagStart),
                        tagCount: Int32(part.tagPool.count - tagStart),
                        country: event.country.map { state.symbols.intern($0) } ?? 0,
                        device: event.device.map { state.symbols.intern($0) } ?? 0,
                        lang: event.lang.map { state.symbols.intern($0) } ?? 0,
                        position: positioned.position,
                        slot: slot
                    )
                )
            }
        }
        return part
    }
}
