/// One user's full state with strings instead of symbol ids: what `ProfileStateCodec` encodes.
public struct ProfileSnapshot: Sendable, Equatable {
    public struct Score: Sendable, Equatable {
        public var name: String
        /// Stored value, relative to `reference` (not yet decayed to `asOf`).
        public var value: Double
    }

    public struct ContextValue: Sendable, Equatable {
        public var value: String
        public var timestamp: Int64
    }

    public var userId: String
    public var partition: Int32
    public var version: UInt64
    public var events: UInt32
    public var asOf: Int64
    public var reference: Int64
    public var tags: [Score]
    public var authors: [Score]
    /// Window buckets: `window << 62 | type << 59 | absolute bucket index << 32 | count`.
    public var windowBuckets: [UInt64]
    public var country: ContextValue?
    public var device: ContextValue?
    public var lang: ContextValue?
    /// Oldest first.
    public var seenItems: [String]
    public var notInterestedItems: [String]
    public var notInterestedAuthors: [String]
    /// Highest applied offset per input partition.
    public var offsets: [InputPosition]
}

extension Profile {
    /// The snapshot of this profile (symbol names looked up in `symbols`).
    func snapshot(symbols: SymbolTable) -> ProfileSnapshot {
        func context(_ field: ContextField) -> ProfileSnapshot.ContextValue? {
            field.value == 0 ? nil : .init(value: symbols.name(field.value), timestamp: field.timestamp)
        }
        let scores = self.scores
        return ProfileSnapshot(
            userId: userId,
            partition: partition,
            version: version,
            events: events,
            asOf: asOf,
            reference: reference,
            tags: scores.filter { !$0.isAuthor }.map { .init(name: symbols.name($0.symbol), value: $0.value) },
            authors: scores.filter { $0.isAuthor }.map { .init(name: symbols.name($0.symbol), value: $0.value) },
            windowBuckets: withWindowEntries { WindowCounts.absoluteEntries($0, asOf: asOf) },
            country: context(country),
            device: context(device),
            lang: context(lang),
            seenItems: withSeen { $0.map { symbols.name($0) } },
            notInterestedItems: blocked.filter { $0 & ScoreEntry.authorFlag == 0 }.map { symbols.name($0) },
            notInterestedAuthors: blocked.filter { $0 & ScoreEntry.authorFlag != 0 }
                .map { symbols.name($0 & ~ScoreEntry.authorFlag) },
            offsets: offsets.map { InputPosition(partition: $0.partition, offset: $0.offset) }
        )
    }

    /// A profile holding `snapshot`, interning its strings into `symbols`.
    init(snapshot: ProfileSnapshot, symbols: inout SymbolTable) {
        self.init(userId: snapshot.userId)
        partition = snapshot.partition
        version = snapshot.version
        events = snapshot.events
        asOf = snapshot.asOf
        reference = snapshot.reference
        var entries = snapshot.tags.map { ScoreEntry(key: symbols.intern($0.name), value: $0.value) }
        entries += snapshot.authors.map {
            ScoreEntry(key: symbols.intern($0.name) | ScoreEntry.authorFlag, value: $0.value)
        }
        entries.sort { $0.key < $1.key }
        var scores: [ScoreEntry] = []
        for entry in entries where scores.last?.key != entry.key { scores.append(entry) }
        let windows = WindowCounts(absolute: snapshot.windowBuckets, asOf: snapshot.asOf)
        func field(_ value: ProfileSnapshot.ContextValue?) -> ContextField {
            guard let value else { return ContextField() }
            return ContextField(value: symbols.intern(value.value), timestamp: value.timestamp)
        }
        country = field(snapshot.country)
        device = field(snapshot.device)
        lang = field(snapshot.lang)
        // Interned in the order of the encoding (contexts before seen items), as the batch path does.
        setRegions(scores: scores, seen: snapshot.seenItems.map { symbols.intern($0) }, windows: windows.entries)
        blocked = snapshot.notInterestedItems.map { symbols.intern($0) }
            + snapshot.notInterestedAuthors.map { symbols.intern($0) | ScoreEntry.authorFlag }
        offsets = snapshot.offsets.map { PartitionOffset(partition: $0.partition, offset: $0.offset) }
    }
}
