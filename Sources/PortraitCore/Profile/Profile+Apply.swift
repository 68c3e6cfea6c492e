extension Profile {
    /// Records `position` as applied unless it already was (its offset is not above the partition's highest
    /// applied one): `false` for a duplicate. One pass over the offsets: with unkeyed input a user's events
    /// arrive on every partition, and `moreOffsets` (up to one entry per partition) is a cold line or several.
    mutating func admit(_ position: InputPosition) -> Bool {
        guard position.offset >= 0 else { return true }
        if firstPartition < 0 || position.partition == firstPartition {
            if firstPartition >= 0, position.offset <= firstOffset { return false }
            firstPartition = position.partition
            firstOffset = position.offset
            return true
        }
        let found = moreOffsets.withUnsafeMutableBufferPointer { entries -> Bool? in
            for index in entries.indices where entries[index].partition == position.partition {
                guard position.offset > entries[index].offset else { return false }
                entries[index].offset = position.offset
                return true
            }
            return nil
        }
        if let found { return found }
        moreOffsets.append(PartitionOffset(partition: position.partition, offset: position.offset))
        return true
    }

    /// Applies one resolved event: scores, windows, context, seen items, not_interested marks. The event's input
    /// position is recorded by the caller (`admit`, which also turns duplicates away).
    ///
    /// `names` (the shard's copy, completed from `catalog` when it lacks one) breaks ties between equal smallest
    /// scores at a cap (see `addScore`).
    mutating func apply(
        _ event: ResolvedEvent, tags: UnsafeBufferPointer<UInt32>, configuration: EngineConfiguration,
        names: inout SymbolNames, catalog: ItemCatalog
    ) {
        let ts = event.timestamp
        let halfLife = configuration.halfLifeMs
        if events == 0 {
            reference = ts
        }
        events &+= 1
        partition = event.position.partition
        let previousAsOf = asOf
        if ts > asOf { asOf = ts }

        var exponent = Double(ts - reference) / halfLife
        if exponent > Decay.rebaseExponent {
            rebase(to: ts, halfLifeMs: halfLife)
            exponent = 0
        }
        if event.weight != 0 {
            let term = event.weight * Decay.exp2(exponent)
            for tag in tags {
                addScore(key: tag, term: term, cap: configuration.maxTagsPerUser, names: &names, catalog: catalog)
            }
            if event.author != 0 {
                addScore(
                    key: event.author | ScoreEntry.authorFlag, term: term, cap: configuration.maxAuthorsPerUser,
                    names: &names, catalog: catalog)
            }
        }

        let windowStart = self.windowStart
        var windowCount = Int(self.windowCount)
        if previousAsOf != .min, asOf / 60_000 != previousAsOf / 60_000 {
            WindowCounts.prune(from: previousAsOf, to: asOf, in: &words, start: windowStart, entryCount: &windowCount)
        }
        WindowCounts.add(type: event.type, at: ts, asOf: asOf, in: &words, start: windowStart, entryCount: &windowCount)
        self.windowCount = UInt16(truncatingIfNeeded: windowCount)  // ≤ 3 windows × 8 types × 61 buckets

        Self.update(&countryValue, &countryTimestamp, event.country, ts)
        Self.update(&deviceValue, &deviceTimestamp, event.device, ts)
        Self.update(&langValue, &langTimestamp, event.lang, ts)

        markSeen(event.item, limit: configuration.seenItemsPerUser)
        if event.type == .notInterested {
            block(event.item, limit: configuration.notInterestedPerUser)
            if event.author != 0 {
                block(event.author | ScoreEntry.authorFlag, limit: configuration.notInterestedPerUser)
            }
        }
    }

    /// Newest by `ts`; on a tie the later-applied value wins.
    private static func update(_ field: inout UInt32, _ timestamp: inout Int64, _ value: UInt32, _ ts: Int64) {
        guard value != 0, ts >= timestamp else { return }
        field = value
        timestamp = ts
    }

    /// Restates every score against a new reference time.
    mutating func rebase(to newReference: Int64, halfLifeMs: Double) {
        let factor = Decay.factor(from: reference, to: newReference, halfLifeMs: halfLifeMs)
        withMutableScores { scores in
            for index in scores.indices { scores[index].value *= factor }
        }
        reference = newReference
    }

    /// Adds `term` to the entry `key`, creating it; at the cap the smallest score (possibly the new one) goes.
    ///
    /// Among several entries tied at the smallest score, the one with the greatest name goes. Symbol ids
    /// depend on interning order, which differs between processes (and between shards' interleavings),
    /// so a tie broken by id would let a restored profile drift from an uninterrupted run. Names come from
    /// the shard's copy; the catalog lock is taken only when that lacks one of the tied symbols. (A class
    /// parameter, not a closure: no retain per call on the per-event path.)
    mutating func addScore(key: UInt32, term: Double, cap: Int, names: inout SymbolNames, catalog: ItemCatalog) {
        let scoreCount = self.scoreCount
        let low = withScores { Self.lowerBound(key, in: $0) }
        let lowWord = low &* Self.scoreWords
        if low < scoreCount, words[lowWord] == key {
            withMutableScores { $0[low].value += term }
            return
        }
        let isAuthor = key & ScoreEntry.authorFlag != 0
        let count = Int(isAuthor ? authorCount : tagCount)
        let cap = min(cap, Int(UInt16.max))  // the counts are `UInt16` (the configuration allows 65,536)
        if count < cap {
            insertWords(at: lowWord, count: Self.scoreWords)
            if isAuthor { authorCount += 1 } else { tagCount += 1 }
            withMutableScores { $0[low] = ScoreEntry(key: key, value: term) }
            return
        }
        guard cap > 0 else { return }
        // At the cap: evict the smallest of the same kind unless the newcomer is smaller still.
        // Tags sort before authors (the flag is the high bit), so each kind is one contiguous range.
        let range = isAuthor ? Int(tagCount)..<scoreCount : 0..<Int(tagCount)
        // One pass for the smallest value and how many entries hold it; names only when the newcomer beats it
        // and several are tied for eviction. A heavy user at the cap takes this path for most new tags, and
        // entries added by one event tie until touched again.
        var (minIndex, minValue, tied) = withScores { scores in
            var minIndex = -1
            var minValue = Double.infinity
            var tied = 0
            for index in range {
                let value = scores[index].value
                if value < minValue {
                    minValue = value
                    minIndex = index
                    tied = 1
                } else if value == minValue {
                    tied += 1
                }
            }
            return (minIndex, minValue, tied)
        }
        guard minIndex >= 0, term > minValue else { return }
        if tied > 1 {
            minIndex = withScores { scores in
                let tiedRange = minIndex..<range.upperBound
                if tiedRange.contains(where: { scores[$0].value == minValue && !names.contains(scores[$0].symbol) }) {
                    catalog.withState { state in
                        for index in tiedRange where scores[index].value == minValue {
                            names.learn(scores[index].symbol, from: state.symbols)
                        }
                    }
                }
                var chosen = minIndex
                for index in tiedRange.dropFirst()
                where scores[index].value == minValue && names.precedes(scores[chosen].symbol, scores[index].symbol) {
                    chosen = index
                }
                return chosen
            }
        }
        // One shift instead of remove + insert: entries between the evicted one and the insertion
        // point move by one, the rest stay.
        let entry = ScoreEntry(key: key, value: term)
        withMutableScores { scores in
            if minIndex < low {
                for index in minIndex..<(low - 1) { scores[index] = scores[index + 1] }
                scores[low - 1] = entry
            } else {
                var index = minIndex
                while index > low {
                    scores[index] = scores[index - 1]
                    index -= 1
                }
                scores[low] = entry
            }
        }
    }

    /// The first index whose key is not below `key` (see `BranchFreeSearch` for why without branches).
    static func lowerBound(_ key: UInt32, in scores: UnsafeBufferPointer<ScoreEntry>) -> Int {
        guard let base = scores.baseAddress else { return 0 }
        return BranchFreeSearch.partitionPoint(count: scores.count) { base[$0].key < key }
    }

    /// Moves `item` to the newest end of the seen region (adding it, dropping the oldest past `limit`).
    private mutating func markSeen(_ item: UInt32, limit: Int) {
        let limit = min(limit, Int(UInt16.max))
        guard limit > 0 else { return }
        let start = seenStart
        let count = Int(seenCount)
        let found = words.withUnsafeBufferPointer {
            Self.lastIndex(of: item, in: UnsafeBufferPointer(rebasing: $0[start..<(start + count)]))
        }
        // Found, or at the limit: the region keeps (at most) its size, the items after the one that
        // goes move down and `item` takes the last place. Otherwise one word opens at the region's end.
        var drop = 0
        if let index = found {
            if index == count - 1 { return }
            drop = index
        } else if count >= limit {
            drop = count - limit + 1
        } else {
            insertWords(at: start + count, count: 1)
            words[start + count] = item
            seenCount += 1
            return
        }
        let removeAll = found == nil
        words.withUnsafeMutableBufferPointer { words in
            let base = words.baseAddress! + start
            if removeAll {
                // The oldest `drop` go: the rest move down by `drop`, `item` follows them.
                UnsafeMutableRawPointer(base).copyMemory(from: base + drop, byteCount: (count - drop) * 4)
                base[count - drop] = item
            } else {
                UnsafeMutableRawPointer(base + drop).copyMemory(from: base + drop + 1, byteCount: (count - drop - 1) * 4)
                base[count - 1] = item
            }
        }
        if removeAll, drop > 1 {
            words.removeSubrange((start + count - drop + 1)..<(start + count))
            seenCount = UInt16(count - drop + 1)
        }
    }

    /// `array.lastIndex(of: value)`, eight entries per comparison (a heavy user's 1,000 seen items
    /// are scanned for every event that brings a new item).
    static func lastIndex(of value: UInt32, in buffer: UnsafeBufferPointer<UInt32>) -> Int? {
        var end = buffer.count
        guard let base = buffer.baseAddress else { return nil }
        let needle = SIMD8<UInt32>(repeating: value)
        while end >= 8 {
            let chunk = UnsafeRawPointer(base + end - 8).loadUnaligned(as: SIMD8<UInt32>.self)
            if any(chunk .== needle) {
                var index = end - 1
                while buffer[index] != value { index -= 1 }
                return index
            }
            end -= 8
        }
        while end > 0 {
            end -= 1
            if buffer[end] == value { return end }
        }
        return nil
    }

    private mutating func block(_ key: UInt32, limit: Int) {
        guard limit > 0, !blocked.contains(key) else { return }
        if blocked.count >= limit { blocked.removeFirst(blocked.count - limit + 1) }
        blocked.append(key)
    }

    /// Score of an entry stated at `t`.
    func score(_ entry: ScoreEntry, at t: Int64, halfLifeMs: Double) -> Double {
        entry.value * Decay.factor(from: reference, to: t, halfLifeMs: halfLifeMs)
    }

    /// The top `n` entries of one kind with stored value > 0, highest first (ties by symbol id);
    /// see `TopScores`, which rendering calls through a pointer into the slab.
    func top(_ n: Int, authors: Bool) -> [ScoreEntry] {
        var result: [ScoreEntry] = []
        withUnsafePointer(to: self) { TopScores.append(n, authors: authors, of: $0, to: &result) }
        return result
    }
}
