/// Many `ProfileStateCodec` states decoded straight into profiles, their strings interned in one pass.
///
/// The batch restore path (issue 5): `ProfileStateCodec.decode` builds a `ProfileSnapshot` with a
/// dozen arrays per user, and `Profile(snapshot:symbols:)` then builds the profile's arrays again.
/// Here `add` decodes a state (same validation as `decode`) into flat pools shared by the whole
/// batch — the strings, score values and per-user counts — so a user costs no intermediate array;
/// `intern` resolves every pooled string with one catalog lock; `profile(_:ids:)` assembles each
/// profile from the ids. The result equals `Profile(snapshot: decode(state), symbols:)`.
struct ProfileStateBatch {
    /// One decoded user: its scalar fields and where its strings and values sit in the pools.
    struct Entry {
        var userId: String
        var partition: Int32
        var version: UInt64
        var events: UInt32
        var asOf: Int64
        var reference: Int64
        var windows: WindowCounts
        /// First pooled name (tags, authors, present contexts, seen items, blocked items, blocked authors).
        var nameStart: Int
        /// First pooled score value (tags then authors).
        var valueStart: Int
        var tagCount: Int
        var authorCount: Int
        /// Bit i set when context i (country, device, lang) is present.
        var contexts: UInt8
        var contextTimestamps: (Int64, Int64, Int64)
        var seenCount: Int
        var blockedItemCount: Int
        var blockedAuthorCount: Int
        var offsets: [Profile.PartitionOffset]
    }

    private(set) var entries: [Entry] = []
    /// Pooled names; "" where `resolved` already holds the id (a `SmallNameCache` hit).
    private(set) var names: [String] = []
    /// The id of each pooled name known from `cache`, 0 where it must be interned.
    private var resolved: [UInt32] = []
    /// Packed key of each pooled name (0 when too long to cache).
    private var keys: [UInt64] = []
    private var values: [Double] = []
    /// Short names already resolved, kept across batches of one shard.
    var cache = SmallNameCache()

    var count: Int { entries.count }

    mutating func reserveCapacity(_ users: Int) {
        entries.reserveCapacity(users)
        names.reserveCapacity(users * 32)
        resolved.reserveCapacity(users * 32)
        keys.reserveCapacity(users * 32)
        values.reserveCapacity(users * 8)
    }

    mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
        names.removeAll(keepingCapacity: true)
        resolved.removeAll(keepingCapacity: true)
        keys.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
    }

    /// Forgets the most recently added user (e.g. one already held at a newer version).
    mutating func removeLast() {
        guard let last = entries.popLast() else { return }
        truncateNames(last.nameStart)
        values.removeSubrange(last.valueStart...)
    }

    /// Decodes `state` as `userId`'s state in `partition`; on error the batch is unchanged.
    /// Returns the state's version. Without `verifyChecksum` the state's own checksum is not recomputed
    /// (its container — a snapshot file — was checksummed as a whole); every read is still bounds-checked.
    @discardableResult
    mutating func add(
        userId: String, partition: Int32, state bytes: [UInt8], verifyChecksum: Bool = true
    ) throws(ProfileStateCodecError) -> UInt64 {
        let nameStart = names.count
        let valueStart = values.count
        do {
            try ProfileStateCodec.validateFrame(bytes, checksum: verifyChecksum)
            return try decode(userId: userId, partition: partition, bytes: bytes, nameStart: nameStart, valueStart: valueStart)
        } catch {
            truncateNames(nameStart)
            values.removeSubrange(valueStart...)
            throw error
        }
    }

    private mutating func decode(
        userId: String, partition: Int32, bytes: [UInt8], nameStart: Int, valueStart: Int
    ) throws(ProfileStateCodecError) -> UInt64 {
        var input = ProfileStateCodec.Reader(bytes: bytes, offset: 5, end: bytes.count - 8)
        try input.skipString()  // the user id: the caller's key is authoritative
        _ = try input.u32()  // the partition: likewise
        let version = try input.u64()
        let events = try input.u32()
        let asOf = Int64(bitPattern: try input.u64())
        let reference = Int64(bitPattern: try input.u64())
        var scoreCounts = (0, 0)
        for list in 0..<2 {
            let count = try input.count(minimumItemBytes: 12)
            for _ in 0..<count {
                try appendName(&input)
                let value = Double(bitPattern: try input.u64())
                guard value.isFinite else { throw .invalidValue("score") }
                values.append(value)
            }
            if list == 0 { scoreCounts.0 = count } else { scoreCounts.1 = count }
        }
        let bucketCount = try input.count(minimumItemBytes: 8)
        var windows = WindowCounts()
        for _ in 0..<bucketCount { windows.add(absolute: try input.u64(), asOf: asOf) }
        var contexts: UInt8 = 0
        var timestamps: (Int64, Int64, Int64) = (.min, .min, .min)
        for index in 0..<3 {
            switch try input.u8() {
            case 0: break
            case 1:
                try appendName(&input)
                let timestamp = Int64(bitPattern: try input.u64())
                switch index {
                case 0: timestamps.0 = timestamp
                case 1: timestamps.1 = timestamp
                default: timestamps.2 = timestamp
                }
                contexts |= 1 << index
            default: throw .invalidValue("context")
            }
        }
        var listCounts = (0, 0, 0)
        for list in 0..<3 {
            let count = try input.count(minimumItemBytes: 4)
            for _ in 0..<count { try appendName(&input) }
            switch list {
            case 0: listCounts.0 = count
            case 1: listCounts.1 = count
            default: listCounts.2 = count
            }
        }
        let offsetCount = try input.count(minimumItemBytes: 12)
        var offsets: [Profile.PartitionOffset] = []
        offsets.reserveCapacity(offsetCount)
        for _ in 0..<offsetCount {
            let partition = Int32(bitPattern: try input.u32())
            offsets.append(.init(partition: partition, offset: Int64(bitPattern: try input.u64())))
        }
        guard input.offset == input.end else { throw .trailingBytes }
        entries.append(
            Entry(
                userId: userId, partition: partition, version: version, events: events, asOf: asOf,
                reference: reference, windows: windows, nameStart: nameStart, valueStart: valueStart,
                tagCount: scoreCounts.0, authorCount: scoreCounts.1, contexts: contexts,
                contextTimestamps: timestamps, seenCount: listCounts.0,
                blockedItemCount: listCounts.1, blockedAuthorCount: listCounts.2, offsets: offsets))
        return version
    }

    private mutating func truncateNames(_ count: Int) {
        names.removeSubrange(count...)
        resolved.removeSubrange(count...)
        keys.removeSubrange(count...)
    }

    /// Pools the next string of `input`: its id if the cache knows it, else the decoded string.
    private mutating func appendName(_ input: inout ProfileStateCodec.Reader) throws(ProfileStateCodecError) {
        let start = input.offset
        let length = Int(try input.u32())
        guard length <= input.end - input.offset else { throw .truncated }
        let key = SmallNameCache.key(input.bytes, offset: input.offset, length: length)
        if key != 0 {
            let id = cache.id(key)
            if id != 0 {
                input.offset += length
                names.append("")
                resolved.append(id)
                keys.append(key)
                return
            }
        }
        input.offset = start
        names.append(try input.string())
        resolved.append(0)
        keys.append(key)
    }

    /// The symbol id of every pooled name, in pool order (call under the catalog lock).
    func intern(into symbols: inout SymbolTable) -> [UInt32] {
        var ids = resolved
        for index in ids.indices where ids[index] == 0 { ids[index] = symbols.intern(names[index]) }
        return ids
    }

    /// Remembers the short names `intern` resolved (call outside the catalog lock).
    mutating func learn(_ ids: [UInt32]) {
        for index in ids.indices where resolved[index] == 0 && keys[index] != 0 { cache.insert(keys[index], id: ids[index]) }
    }

    /// The profile of entry `index`, given `ids` from `intern(into:)`.
    func profile(_ index: Int, ids: [UInt32]) -> Profile {
        let entry = entries[index]
        var profile = Profile(userId: entry.userId)
        profile.partition = entry.partition
        profile.version = entry.version
        profile.events = entry.events
        profile.asOf = entry.asOf
        profile.reference = entry.reference
        var name = entry.nameStart
        var scores: [Profile.ScoreEntry] = []
        scores.reserveCapacity(entry.tagCount + entry.authorCount)
        for offset in 0..<(entry.tagCount + entry.authorCount) {
            let flag = offset < entry.tagCount ? 0 : Profile.ScoreEntry.authorFlag
            scores.append(Profile.ScoreEntry(key: ids[name] | flag, value: values[entry.valueStart + offset]))
            name += 1
        }
        scores.sort { $0.key < $1.key }
        var unique = 0
        for position in scores.indices where unique == 0 || scores[unique - 1].key != scores[position].key {
            scores[unique] = scores[position]
            unique += 1
        }
        scores.removeSubrange(unique...)
        func context(_ bit: Int, _ timestamp: Int64) -> Profile.ContextField {
            guard entry.contexts & (1 << bit) != 0 else { return Profile.ContextField() }
            defer { name += 1 }
            return Profile.ContextField(value: ids[name], timestamp: timestamp)
        }
        profile.country = context(0, entry.contextTimestamps.0)
        profile.device = context(1, entry.contextTimestamps.1)
        profile.lang = context(2, entry.contextTimestamps.2)
        let seenStart = name
        scores.withUnsafeBufferPointer { scores in
            ids.withUnsafeBufferPointer { ids in
                profile.setRegions(
                    scores: scores, seen: UnsafeBufferPointer(rebasing: ids[seenStart..<(seenStart + entry.seenCount)]),
                    windows: entry.windows.entries)
            }
        }
        name += entry.seenCount
        var blocked: [UInt32] = []
        blocked.reserveCapacity(entry.blockedItemCount + entry.blockedAuthorCount)
        blocked.append(contentsOf: ids[name..<(name + entry.blockedItemCount)])
        name += entry.blockedItemCount
        for id in ids[name..<(name + entry.blockedAuthorCount)] { blocked.append(id | Profile.ScoreEntry.authorFlag) }
        profile.blocked = blocked
        profile.offsets = entry.offsets
        return profile
    }
}
