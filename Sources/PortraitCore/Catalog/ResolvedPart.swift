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
    /// Context values (country, device, lang) have a handful of distinct values: a short list of inline
    /// strings' words (`SmallASCIIString.words(of:)`), compared as two integers, beats hashing each one.
    /// (`String ==` compares the representations too, but two different ones go through a slow path.)
    private var context: [(low: UInt64, high: UInt64, id: UInt32)] = []
    private static let contextCapacity = 32

    /// Hashes of the last part's item, author and tag names (a buffer kept between parts).
    private var hashes: [UInt32] = []

    /// The ids of every string of the accepted events, laid out per event as item, author, country,
    /// device, lang, then the tags; 0 where the string is absent or not cached yet.
    ///
    /// Two passes: the first hashes the item, author and tag names and prefetches each one's probe, the second
    /// looks them up. The table is larger than the caches (every item seen), so a probe is usually a miss;
    /// one at a time, each lookup waited for its own (`perf`: most of this function's time on the probe's load).
    mutating func lookup(_ events: [PositionedInteraction], accepted: [(index: Int, slot: Int32)]) -> [UInt32] {
        hashes.removeAll(keepingCapacity: true)
        for (index, _) in accepted {
            prefetchHash(of: events[index].event.itemId)
            if let author = events[index].event.authorId { prefetchHash(of: author) }
            if let tags = events[index].event.tags {
                for tag in tags { prefetchHash(of: tag) }
            }
        }
        var result: [UInt32] = []
        result.reserveCapacity(accepted.count * 8)
        let hashes = self.hashes  // a local copy (one retain): `contextId` mutates `self` inside the loop
        var next = 0
        for (index, _) in accepted {
            result.append(ids[events[index].event.itemId, hash: hashes[next]] ?? 0)
            next &+= 1
            if let author = events[index].event.authorId {
                result.append(ids[author, hash: hashes[next]] ?? 0)
                next &+= 1
            } else {
                result.append(0)
            }
            result.append(events[index].event.country.map { contextId($0) } ?? 0)
            result.append(events[index].event.device.map { contextId($0) } ?? 0)
            result.append(events[index].event.lang.map { contextId($0) } ?? 0)
            if let tags = events[index].event.tags {
                for tag in tags {
                    result.append(ids[tag, hash: hashes[next]] ?? 0)
                    next &+= 1
                }
            }
        }
        return result
    }

    @inline(__always)
    private mutating func prefetchHash(of name: String) {
        let hash = ids.hash(of: name)
        ids.prefetch(hash: hash)
        hashes.append(hash)
    }

    private mutating func contextId(_ name: String) -> UInt32 {
        guard let (low, high) = SmallASCIIString.words(of: name) else { return ids[name] ?? 0 }
        for entry in context where entry.low == low && entry.high == high { return entry.id }
        guard let id = ids[name] else { return 0 }
        if context.count < Self.contextCapacity { context.append((low, high, id)) }
        return id
    }

    mutating func learn(_ learned: [(String, UInt32)]) {
        for (name, id) in learned { ids.insert(name, id) }
    }
}

extension ItemCatalog {
    /// w_e: the type weight, scaled by min(1, watch/duration) for a view that has both.
    ///
    /// Takes the fields, not the `Interaction`: passing `events[index].event` copies it (a retain and a release of
    /// its tag array and each heap string), which `perf` showed as a tenth of `resolve`.
    static func weight(type: EventType, watchMs: Int64?, durationMs: Int64?, weights: EventWeights) -> Double {
        let base = weights[type]
        if type == .view, let watch = watchMs, let duration = durationMs, duration > 0 {
            return base * min(1, Double(max(0, watch)) / Double(duration))
        }
        return base
    }

    /// Interns and resolves `events[i]` for every `(i, slot)` in `accepted` and learns unknown items,
    /// all under one lock acquisition. Popularity is not added here: the shard collects it in its
    /// `PopularityDeltas` and merges once per round.
    ///
    /// `cached` holds the ids the shard's `SymbolCache` already knew (see `SymbolCache.lookup`), so
    /// only misses hash strings while the lock is held.
    ///
    /// `names` (the shard's copy) learns, under the same lock, the names of the part's tags and authors it lacks, so a
    /// tie for eviction at a cap, broken by name (`Profile.addScore`), need not take this contended lock again.
    func resolve(
        _ events: [PositionedInteraction], accepted: [(index: Int, slot: Int32)], cached: [UInt32],
        names: inout SymbolNames
    ) -> ResolvedPart {
        var part = ResolvedPart()
        part.events.reserveCapacity(accepted.count)
        let weights = configuration.weights
        withState { state in
            cached.withUnsafeBufferPointer { cached in
                Self.resolve(events, accepted: accepted, cached: cached, weights: weights, state: &state, into: &part)
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
        _ events: [PositionedInteraction], accepted: [(index: Int, slot: Int32)], cached: UnsafeBufferPointer<UInt32>,
        weights: EventWeights, state: inout CatalogState, into part: inout ResolvedPart
    ) {
        var cursor = 0
        for (index, slot) in accepted {
            // Fields are read through the array: copying the `Interaction` would retain its tag
            // array and heap strings for every event.
            let base = cursor
            cursor += 5 + (events[index].event.tags?.count ?? 0)
            let item = intern(events[index].event.itemId, cached[base], &state, &part)
            let tagStart = part.tagPool.count
            var author: UInt32 = 0
            let isNew = !state.items.contains(item)
            // Missing tags and author come from the catalog topic's record only (CONTRACT §2), never from
            // what another user's interaction said about the item: that would make a profile depend on
            // the order users are processed in, which differs between instances and after a rebalance.
            let known = state.items.isAuthoritative(item)
            if let tags = events[index].event.tags {
                for offset in tags.indices {
                    let id = intern(tags[offset], cached[base + 5 + offset], &state, &part)
                    if !part.tagPool[tagStart...].contains(id) { part.tagPool.append(id) }
                }
            } else if known {
                part.tagPool.append(contentsOf: state.items[item]!.tags)
            }
            if let authorId = events[index].event.authorId {
                author = intern(authorId, cached[base + 1], &state, &part)
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
                type: events[index].event.type, watchMs: events[index].event.watchMs,
                durationMs: events[index].event.durationMs, weights: weights)
            var country: UInt32 = 0
            var device: UInt32 = 0
            var lang: UInt32 = 0
            if let name = events[index].event.country { country = intern(name, cached[base + 2], &state, &part) }
            if let name = events[index].event.device { device = intern(name, cached[base + 3], &state, &part) }
            if let name = events[index].event.lang { lang = intern(name, cached[base + 4], &state, &part) }
            part.events.append(
                ResolvedEvent(
                    type: events[index].event.type,
                    timestamp: events[index].event.timestamp,
                    weight: weight,
                    item: item,
                    author: author,
                    tagStart: Int32(tagStart),
                    tagCount: Int32(part.tagPool.count - tagStart),
                    country: country,
                    device: device,
                    lang: lang,
                    position: events[index].position,
                    slot: slot
                )
            )
        }
    }

    /// `cached` (the shard's id for `name`, 0 on a miss), or `name` interned now and remembered in `part.learned`.
    @inline(__always)
    private static func intern(
        _ name: String, _ cached: UInt32, _ state: inout CatalogState, _ part: inout ResolvedPart
    ) -> UInt32 {
        if cached != 0 { return cached }
        let interned = state.symbols.intern(name)
        part.learned.append((name, interned))
        return interned
    }
}
