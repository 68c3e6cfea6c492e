/// One validated interaction event (CONTRACT §2), decoded from an input message value.
///
/// Optional fields are `nil` when the producer left them out. `tags == nil` means "use the
/// catalog's tags for `itemId`"; an empty array means "this item has no tags".
public struct Interaction: Sendable, Equatable {
    public var userId: String
    public var itemId: String
    public var type: EventType
    /// Event time, epoch milliseconds.
    public var timestamp: Int64
    public var watchMs: Int64?
    public var durationMs: Int64?
    public var tags: [String]?
    public var authorId: String?
    public var country: String?
    public var device: String?
    public var lang: String?
    public var eventId: String?

    public init(
        userId: String,
        itemId: String,
        type: EventType,
        timestamp: Int64,
        watchMs: Int64? = nil,
        durationMs: Int64? = nil,
        tags: [String]? = nil,
        authorId: String? = nil,
        country: String? = nil,
        device: String? = nil,
        lang: String? = nil,
        eventId: String? = nil
    ) {
        self.userId = userId
        self.itemId = itemId
        self.type = type
        self.timestamp = timestamp
        self.watchMs = watchMs
        self.durationMs = durationMs
        self.tags = tags
        self.authorId = authorId
        self.country = country
        self.device = device
        self.lang = lang
        self.eventId = eventId
    }
}

/// Where an input record came from: its input partition and offset.
///
/// The partition decides the changelog partition of the user's profile record (CONTRACT §1);
/// the offset lets a restored profile skip input it has already applied (exactly-once state).
public struct InputPosition: Sendable, Hashable {
    public var partition: Int32
    public var offset: Int64

    public init(partition: Int32, offset: Int64) {
        self.partition = partition
        self.offset = offset
    }
}

/// One catalog record (CONTRACT §3). A tombstone (null value) is not a `CatalogItem`: it is a removal.
public struct CatalogItem: Sendable, Equatable {
    public var itemId: String
    public var tags: [String]
    public var authorId: String?
    public var createdTs: Int64?
    public var durationMs: Int64?

    public init(
        itemId: String,
        tags: [String] = [],
        authorId: String? = nil,
        createdTs: Int64? = nil,
        durationMs: Int64? = nil
    ) {
        self.itemId = itemId
        self.tags = tags
        self.authorId = authorId
        self.createdTs = createdTs
        self.durationMs = durationMs
    }
}
