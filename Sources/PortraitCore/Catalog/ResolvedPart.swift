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
    /// Strings interned under the lock because the shard's cache missed them.
    var learned: [(String, UInt32)] = []
}

/// A shard's lock-free cache of the global symbol table (strings it has already seen).
struct SymbolCache {
    private var ids = StringIdMap()
    /// Context values (country, device, lang) have a handful of distinct values, each on most events: a small
    /// direct-mapped cache by hash, of their bytes (at most 15, as `BatchView.words`) compared as two integers,
    /// beats a probe of the large table. A collision replaces the entry.
    private var context = [(low: UInt64, high: UInt64, id: UInt32)](repeating: (0, 0, 0), count: 64)

    /// The ids of every string of the accepted events, laid out per event as item, author, country,
    /// device, lang, then the tags; 0 where the string is absent or not cached yet.
    ///
    /// Two passes: the first prefetches the probe of each item, author and tag name (the decoder hashed them),
    /// the second looks them up. The table is larger than the caches (every item seen), so a probe is usually a
    /// miss; one at a time, each lookup waited for its own (`perf`: most of this function's time on the probe's
    /// load).
    mutating func lookup(_ view: BatchView, accepted: [(index: Int, slot: Int32)]) -> [UInt32] {
        for (index, _) in accepted {
            let event = view.events[index]
            ids.prefetch(hash: event.item.hash)
            if event.present.contains(.author) { ids.prefetch(hash: event.author.hash) }
            for tag in view.tags(of: event) { ids.prefetch(hash: tag.hash) }
        }
        var result: [UInt32] = []
        result.reserveCapacity(accepted.count * 8)
        for (index, _) in accepted {
            let event = view.events[index]
            result.append(id(event.item, in: view))
            result.append(event.present.contains(.author) ? id(event.author, in: view) : 0)
            result.append(event.present.contains(.country) ? contextId(event.country, in: view) : 0)
            result.append(event.present.contains(.device) ? contextId(event.device, in: view) : 0)
            result.append(event.present.contains(.lang) ? contextId(event.lang, in: view) : 0)
            for tag in view.tags(of: event) { result.append(id(tag, in: view)) }
        }
        return result
    }

    @inline(__always)
    private func id(_ name: ArenaString, in view: BatchView) -> UInt32 {
        ids[name, in: view] ?? 0
    }

    private mutating func contextId(_ name: ArenaString, in view: BatchView) -> UInt32 {
        guard name.count <= 15 else { return id(name, in: view) }
        let (low, high) = view.words(name)
        let slot = Int(truncatingIfNeeded: name.hash) & (context.count - 1)
        // An empty entry's id is 0, and a cached entry's never is: the words of "" are (0, 0) too.
        if context[slot].id != 0, context[slot].low == low, context[slot].high == high { return context[slot].id }
        let id = id(name, in: view)
        if id != 0 { context[slot] = (low, high, id) }
        return id
    }

    mutating func learn(_ learned: [(String, UInt32)]) {
        for (name, id) in learned { ids.insert(name, id) }
    }
}

extension ItemCatalog {
    /// w_e: the type weight, scaled by min(1, watch/duration) for a view that has both.
    static func weight(type: EventType, watchMs: Int64?, durationMs: Int64?, weights: EventWeights) -> Double {
        let base = weights[type]
        if type == .view, let watch = watchMs, let duration = durationMs, duration > 0 {
            return base * min(1, Double(max(0, watch)) / Double(duration))
        }
        return base
    }

    /// Interns and resolves `view.events[i]` for every `(i, slot)` in `accepted` and learns unknown items,
    /// all under one lock acquisition. Popularity is not added here: the shard collects it in its
    /// `PopularityDeltas` and merges once per round.
    ///
    /// `cached` holds the ids the shard's `SymbolCache` already knew (see `SymbolCache.lookup`), so
    /// only misses build and hash strings while the lock is held.
    ///
    /// `names` (the shard's copy) learns, under the same lock, the names of the part's tags and authors it lacks, so a
    /// tie for eviction at a cap, broken by name (`Profile.addScore`), need not take this contended lock again.
    func resolve(
        _ view: BatchView, accepted: [(index: Int, slot: Int32)], cached: [UInt32], names: inout SymbolNames
    ) -> ResolvedPart {
        var part = ResolvedPart()
        part.events.reserveCapacity(accepted.count)
        let weights = configuration.weights
        withState { state in
            cached.withUnsafeBufferPointer { cached in
                Self.resolve(view, accepted: accepted, cached: cached, weights: weights, state: &state, into: &part)
            }
            var missing: [UInt32] = []
            part.tagPool.withUnsafeBufferPointer { names.appendMissing($0, to: &missing) }
            for event in part.events where event.author != 0 && !names.contains(event.author) {
                missing.append(event.author)
            }
            for id in missing { names.learn(id, from: state.symbols) }
        }
        return part
    }

    /// The loop of `resolve`, over `inout` state: a closure capturing `part` and a nested function interning into it
    /// made every access to them a dynamic exclusivity check (`swift_beginAccess`, ~a fifth of `resolve` in `perf`).
    private static func resolve(
        _ view: BatchView, accepted: [(index: Int, slot: Int32)], cached: UnsafeBufferPointer<UInt32>,
        weights: EventWeights, state: inout CatalogState, into part: inout ResolvedPart
    ) {
        var cursor = 0
        for (index, slot) in accepted {
            let event = view.events[index]
            let base = cursor
            cursor += 5 + Int(event.tagCount)
            let item = intern(event.item, cached[base], view, &state, &part)
            let tagStart = part.tagPool.count
            var author: UInt32 = 0
            let isNew = !state.items.contains(item)
            // Missing tags and author come from the catalog topic's record only (CONTRACT §2), never from
            // what another user's interaction said about the item: that would make a profile depend on
            // the order users are processed in, which differs between instances and after a rebalance.
            let known = state.items.isAuthoritative(item)
            if event.present.contains(.tags) {
                for (offset, tag) in view.tags(of: event).enumerated() {
                    let id = intern(tag, cached[base + 5 + offset], view, &state, &part)
                    if !part.tagPool[tagStart...].contains(id) { part.tagPool.append(id) }
                }
            } else if known {
                part.tagPool.append(contentsOf: state.items[item]!.tags)
            }
            if event.present.contains(.author) {
                author = intern(event.author, cached[base + 1], view, &state, &part)
            } else if known {
                author = state.items[item]!.author
            }
            if isNew {
                let record = CatalogState.ItemRecord(
                    tags: Array(part.tagPool[tagStart...]), author: author, fromCatalog: false)
                state.items[item] = record
                state.liveItems += 1
                state.offerToLists(item: item, record: record)
            }
            let weight = weight(
                type: event.type, watchMs: event.present.contains(.watchMs) ? event.watchMs : nil,
                durationMs: event.present.contains(.durationMs) ? event.durationMs : nil, weights: weights)
            var country: UInt32 = 0
            var device: UInt32 = 0
            var lang: UInt32 = 0
            if event.present.contains(.country) { country = intern(event.country, cached[base + 2], view, &state, &part) }
            if event.present.contains(.device) { device = intern(event.device, cached[base + 3], view, &state, &part) }
            if event.present.contains(.lang) { lang = intern(event.lang, cached[base + 4], view, &state, &part) }
            part.events.append(
                ResolvedEvent(
                    type: event.type,
                    timestamp: event.timestamp,
                    weight: weight,
                    item: item,
                    author: author,
                    tagStart: Int32(tagStart),
                    tagCount: Int32(part.tagPool.count - tagStart),
                    country: country,
                    device: device,
                    lang: lang,
                    position: event.position,
                    slot: slot
                )
            )
        }
    }

    /// `cached` (the shard's id for `name`, 0 on a miss), or `name` interned now and remembered in `part.learned`.
    @inline(__always)
    private static func intern(
        _ name: ArenaString, _ cached: UInt32, _ view: BatchView, _ state: inout CatalogState,
        _ part: inout ResolvedPart
    ) -> UInt32 {
        if cached != 0 { return cached }
        let name = view.string(name)
        let interned = state.symbols.intern(name)
        part.learned.append((name, interned))
        return interned
    }
}
