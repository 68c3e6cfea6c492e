#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decoded interactions in flat storage: the form events take from the decoder to the shards.
///
/// Every string of every event lies in one byte arena, with its `SeededStringHash` taken once by the decoder;
/// the events are plain values referring to it, and the tags of all events share one array. A batch of 8,192
/// events is three allocations and no reference counting, where `[PositionedInteraction]` held a `String` per
/// field (heap-allocated past 15 bytes) and a `[String]` of tags per event. Each of those was allocated by the
/// decoding thread, retained and released as the shard read it, and freed by the shard (`perf`: retain/release
/// and malloc/free ~9 % of decode + apply), and every string was hashed again for each table that looked it up.
/// With the batch, decode + apply took ~15 % less CPU (`bench engine --decode-apply-only`, alternating sets, net of
/// a retain per value that the benchmark itself used to pay).
///
/// `append(_:at:)` and the subscript convert from and to `Interaction`, for tests and tools.
public struct InteractionBatch: Sendable {
    var events: [BatchEvent] = []
    var bytes = ByteArena()
    var tags: [ArenaString] = []

    public init() {}

    public init(_ events: [PositionedInteraction]) {
        self.events.reserveCapacity(events.count)
        for event in events { append(event.event, at: event.position) }
    }

    public var count: Int { events.count }
    public var isEmpty: Bool { events.isEmpty }

    public mutating func reserveCapacity(_ count: Int) {
        events.reserveCapacity(count)
        bytes.prepareToAppend(count * 64)
        tags.reserveCapacity(count * 4)
    }

    public mutating func removeAll(keepingCapacity: Bool = false) {
        events.removeAll(keepingCapacity: keepingCapacity)
        bytes.removeAll(keepingCapacity: keepingCapacity)
        tags.removeAll(keepingCapacity: keepingCapacity)
    }

    public func type(at index: Int) -> EventType { events[index].type }

    public func position(at index: Int) -> InputPosition { events[index].position }

    /// The event at `index`, as an `Interaction` (its strings built anew).
    public subscript(index: Int) -> PositionedInteraction {
        let event = events[index]
        func string(_ reference: ArenaString) -> String {
            String(
                decoding: UnsafeBufferPointer(start: bytes.base + Int(reference.offset), count: Int(reference.count)),
                as: UTF8.self)
        }
        func optional(_ reference: ArenaString, _ field: BatchEvent.Fields) -> String? {
            event.present.contains(field) ? string(reference) : nil
        }
        let tags: [String]? =
            event.present.contains(.tags)
            ? self.tags[Int(event.tagStart)..<Int(event.tagStart) + Int(event.tagCount)].map(string) : nil
        let interaction = Interaction(
            userId: string(event.user),
            itemId: string(event.item),
            type: event.type,
            timestamp: event.timestamp,
            watchMs: event.present.contains(.watchMs) ? event.watchMs : nil,
            durationMs: event.present.contains(.durationMs) ? event.durationMs : nil,
            tags: tags,
            authorId: optional(event.author, .author),
            country: optional(event.country, .country),
            device: optional(event.device, .device),
            lang: optional(event.lang, .lang),
            eventId: optional(event.eventId, .eventId)
        )
        return PositionedInteraction(event: interaction, position: event.position)
    }

    /// Appends `event` (its strings copied into the arena and hashed).
    public mutating func append(
        _ event: Interaction, at position: InputPosition = InputPosition(partition: 0, offset: -1)
    ) {
        var present: BatchEvent.Fields = []
        func store(_ string: String?, _ field: BatchEvent.Fields = []) -> ArenaString {
            guard let string else { return ArenaString() }
            present.insert(field)
            return append(string)
        }
        let user = store(event.userId)
        let item = store(event.itemId)
        let tagStart = tags.count
        if let eventTags = event.tags {
            present.insert(.tags)
            precondition(eventTags.count <= Int(UInt16.max), "an event holds at most 65,535 tags")
            for tag in eventTags { tags.append(append(tag)) }
        }
        var stored = BatchEvent(
            user: user, item: item, author: store(event.authorId, .author), country: store(event.country, .country),
            device: store(event.device, .device), lang: store(event.lang, .lang),
            eventId: store(event.eventId, .eventId),
            tagStart: UInt32(tagStart), tagCount: UInt16(tags.count - tagStart), present: [], type: event.type,
            timestamp: event.timestamp, watchMs: event.watchMs ?? 0, durationMs: event.durationMs ?? 0,
            position: position)
        if event.watchMs != nil { present.insert(.watchMs) }
        if event.durationMs != nil { present.insert(.durationMs) }
        stored.present = present
        events.append(stored)
    }

    private mutating func append(_ string: String) -> ArenaString {
        var string = string
        return string.withUTF8 { utf8 in
            bytes.prepareToAppend(utf8.count)
            let offset = bytes.append(length: utf8.count) { destination in
                if let source = utf8.baseAddress { destination.update(from: source, count: utf8.count) }
            }
            return ArenaString(
                offset: UInt32(offset), count: UInt32(utf8.count),
                hash: SeededStringHash.hash(bytes.base + offset, count: utf8.count, seed: SeededStringHash.processSeed))
        }
    }

    /// Calls `body` with a view of the batch's storage (valid only during the call).
    func withView<Result>(_ body: (BatchView) -> Result) -> Result {
        events.withUnsafeBufferPointer { events in
            tags.withUnsafeBufferPointer { tags in
                body(BatchView(events: events, bytes: bytes.base, tags: tags))
            }
        }
    }
}

/// A string in an `InteractionBatch`'s arena: its UTF-8 bytes' place and their hash under
/// `SeededStringHash.processSeed`.
struct ArenaString: Sendable {
    var offset: UInt32 = 0
    var count: UInt32 = 0
    var hash: UInt32 = 0
}

/// One event of an `InteractionBatch`: `Interaction`'s fields with its strings in the arena and its optional
/// fields flagged in `present`.
struct BatchEvent: Sendable {
    struct Fields: OptionSet, Sendable {
        var rawValue: UInt16
        static let author = Fields(rawValue: 1 << 0)
        static let country = Fields(rawValue: 1 << 1)
        static let device = Fields(rawValue: 1 << 2)
        static let lang = Fields(rawValue: 1 << 3)
        static let eventId = Fields(rawValue: 1 << 4)
        static let tags = Fields(rawValue: 1 << 5)
        static let watchMs = Fields(rawValue: 1 << 6)
        static let durationMs = Fields(rawValue: 1 << 7)
    }

    var user: ArenaString
    var item: ArenaString
    var author: ArenaString
    var country: ArenaString
    var device: ArenaString
    var lang: ArenaString
    var eventId: ArenaString
    /// The event's tags: `tagCount` entries of the batch's `tags` from `tagStart`.
    var tagStart: UInt32
    var tagCount: UInt16
    var present: Fields
    var type: EventType
    var timestamp: Int64
    var watchMs: Int64
    var durationMs: Int64
    var position: InputPosition
}

/// An `InteractionBatch`'s storage, borrowed for the length of `withView`: reading an event or a string
/// through it retains nothing.
struct BatchView {
    let events: UnsafeBufferPointer<BatchEvent>
    let bytes: UnsafePointer<UInt8>
    let tags: UnsafeBufferPointer<ArenaString>

    @inline(__always)
    func pointer(_ string: ArenaString) -> UnsafePointer<UInt8> { bytes + Int(string.offset) }

    @inline(__always)
    func buffer(_ string: ArenaString) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: pointer(string), count: Int(string.count))
    }

    func string(_ string: ArenaString) -> String { String(decoding: buffer(string), as: UTF8.self) }

    /// The tags of `event`, an event of this view's batch.
    @inline(__always)
    func tags(of event: BatchEvent) -> Slice<UnsafeBufferPointer<ArenaString>> {
        tags[Int(event.tagStart)..<Int(event.tagStart) + Int(event.tagCount)]
    }

    /// The bytes of a string of at most 15 bytes as two words, zero past its count, with the count in the top byte
    /// of the second: equal words, equal strings. (The arena's slack makes both loads valid.)
    @inline(__always)
    func words(_ string: ArenaString) -> (low: UInt64, high: UInt64) {
        let raw = UnsafeRawPointer(pointer(string))
        let count = UInt64(string.count)
        var low = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
        var high = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        if count < 8 {
            low &= (1 &<< (count &* 8)) &- 1
            high = 0
        } else {
            high &= (1 &<< ((count &- 8) &* 8)) &- 1
        }
        return (low, high | count &<< 56)
    }

    /// Whether `string` (of the view's batch) has the bytes of `other`.
    @inline(__always)
    func equals(_ string: ArenaString, _ other: String) -> Bool {
        if string.count <= 15, let (low, high) = SmallASCIIString.words(of: other) {
            // An inline ASCII `String` holds its bytes the same way, its count in the top byte's low nibble.
            let (ownLow, ownHigh) = words(string)
            return ownLow == low && ownHigh == high & 0x0FFF_FFFF_FFFF_FFFF
        }
        return other.hasUTF8(pointer(string), count: Int(string.count))
    }
}

extension String {
    /// Whether this string's UTF-8 is the `count` bytes at `bytes`.
    func hasUTF8(_ bytes: UnsafePointer<UInt8>, count: Int) -> Bool {
        let matched = utf8.withContiguousStorageIfAvailable { own in
            own.count == count && (count == 0 || memcmp(own.baseAddress!, bytes, count) == 0)
        }
        return matched ?? utf8.elementsEqual(UnsafeBufferPointer(start: bytes, count: count))
    }
}
