/// Decodes and validates interaction events (CONTRACT §2) straight from message bytes.
///
/// One pass over the bytes validates the whole document and builds only the strings the `Interaction` keeps.
/// Outcomes, in this fixed precedence (the first failing rule names the reason):
///
/// 1. more than `maxValueBytes` bytes → `too_large`;
/// 2. not valid JSON → `invalid_json`. This includes invalid UTF-8 anywhere, unpaired `\u` surrogates,
///    control characters in strings, trailing garbage (trailing whitespace is fine), and nesting deeper than 64
///    arrays/objects (a documented limit; Foundation allows 512). A leading UTF-8 BOM is ignored; other
///    encodings (UTF-16/32) are not JSON here;
/// 3. valid JSON but not an object → `not_object`;
/// 4. the fields, in the order `user_id`, `item_id`, `type`, `ts`, `watch_ms`, `duration_ms`, `tags`,
///    `author_id`, `country`, `device`, `lang`, `event_id`: absent required field → `missing_field:<name>`;
///    wrong type or bounds → `invalid_field:<name>`; a `type` string naming no type → `unknown_type`;
///    `ts` before 2000-01-01 or more than `maxFutureSkewMs` ahead of `nowMs`, or an integer beyond `Int64`
///    → `ts_out_of_range`.
///
/// Decisions where the contract is silent:
/// - duplicate keys: the last occurrence wins (as `JSONSerialization`), including its failure or `null`;
/// - `null` means absent for every field, so a required field that is `null` is `missing_field`;
/// - integer fields accept only integer lexemes: `1.0` and `1e3` are `invalid_field` (as is any number
///   beyond `Int64`, except for `ts`, where it is `ts_out_of_range`); `-0` is 0;
/// - string limits count UTF-8 bytes after unescaping; `country`, `device`, `lang`, `event_id` may be empty;
/// - `tags: []` is accepted and means "no tags" (not "use the catalog");
/// - unknown fields are ignored, but their values must be valid JSON.
public struct InteractionDecoder: Sendable {
    /// The earliest accepted event time: 2000-01-01T00:00:00Z.
    public static let minimumTimestampMs: Int64 = 946_684_800_000

    public var maxValueBytes: Int
    public var maxFutureSkewMs: Int64

    public init(maxValueBytes: Int = 65_536, maxFutureSkewMs: Int64 = 3_600_000) {
        self.maxValueBytes = maxValueBytes
        self.maxFutureSkewMs = maxFutureSkewMs
    }

    /// Decodes and validates one message value straight from its bytes (no copy of the input).
    public func decode(_ bytes: UnsafeRawBufferPointer, nowMs: Int64) -> Decoded<Interaction> {
        guard bytes.count <= maxValueBytes else { return .rejected(RejectReason(.tooLarge)) }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return .rejected(RejectReason(.invalidJSON)) }
        var scanner = JSONScanner(base: base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        let (latest, overflow) = nowMs.addingReportingOverflow(maxFutureSkewMs)
        var fields = InteractionFields(latestTs: overflow ? .max : latest)
        switch scanner.scanDocument(into: &fields) {
        case .invalidJSON: return .rejected(RejectReason(.invalidJSON))
        case .notObject: return .rejected(RejectReason(.notObject))
        case .object: return fields.validated()
        }
    }

    /// Decodes one message value held in an array.
    public func decode(_ bytes: [UInt8], nowMs: Int64) -> Decoded<Interaction> {
        bytes.withUnsafeBytes { decode($0, nowMs: nowMs) }
    }

    /// Decodes the UTF-8 of `text` (for tests and tools).
    public func decode(_ text: String, nowMs: Int64) -> Decoded<Interaction> {
        decode(Array(text.utf8), nowMs: nowMs)
    }
}

/// The interaction fields seen so far while scanning one document.
struct InteractionFields: JSONObjectReader {
    let latestTs: Int64
    var userId: FieldSlot<String> = .absent
    var itemId: FieldSlot<String> = .absent
    var type: FieldSlot<EventType> = .absent
    var ts: FieldSlot<Int64> = .absent
    var watchMs: FieldSlot<Int64> = .absent
    var durationMs: FieldSlot<Int64> = .absent
    var tags: FieldSlot<[String]> = .absent
    var authorId: FieldSlot<String> = .absent
    var country: FieldSlot<String> = .absent
    var device: FieldSlot<String> = .absent
    var lang: FieldSlot<String> = .absent
    var eventId: FieldSlot<String> = .absent

    init(latestTs: Int64) {
        self.latestTs = latestTs
    }

    mutating func read(_ key: KnownKey, from scanner: inout JSONScanner) throws(JSONSyntaxError) {
        switch key {
        case .userId: userId = try scanner.readString(bytes: 1...256)
        case .itemId: itemId = try scanner.readString(bytes: 1...256)
        case .type: type = try scanner.readEventType()
        case .ts:
            ts = try scanner.readInteger()
            if let value = ts.value, value < InteractionDecoder.minimumTimestampMs || value > latestTs {
                ts = .outOfRange
            }
        case .watchMs:
            watchMs = try scanner.readInteger()
            if let value = watchMs.value, value < 0 { watchMs = .invalid }
        case .durationMs:
            durationMs = try scanner.readInteger()
            if let value = durationMs.value, value <= 0 { durationMs = .invalid }
        case .tags: tags = try scanner.readTags()
        case .authorId: authorId = try scanner.readString(bytes: 1...256)
        case .country: country = try scanner.readString(bytes: 0...256)
        case .device: device = try scanner.readString(bytes: 0...256)
        case .lang: lang = try scanner.readString(bytes: 0...256)
        case .eventId: eventId = try scanner.readString(bytes: 0...256)
        case .createdTs, .unknown: try scanner.skipValue(depth: 2)
        }
    }

    /// Applies the field rules in their documented precedence.
    func validated() -> Decoded<Interaction> {
        let userId: String
        switch self.userId {
        case .value(let value): userId = value
        case .absent: return .rejected(RejectReason(.missingField, field: "user_id"))
        case .invalid, .outOfRange: return .rejected(RejectReason(.invalidField, field: "user_id"))
        }
        let itemId: String
        switch self.itemId {
        case .value(let value): itemId = value
        case .absent: return .rejected(RejectReason(.missingField, field: "item_id"))
        case .invalid, .outOfRange: return .rejected(RejectReason(.invalidField, field: "item_id"))
        }
        let type: EventType
        switch self.type {
        case .value(let value): type = value
        case .absent: return .rejected(RejectReason(.missingField, field: "type"))
        case .invalid: return .rejected(RejectReason(.invalidField, field: "type"))
        case .outOfRange: return .rejected(RejectReason(.unknownType))
        }
        let ts: Int64
        switch self.ts {
        case .value(let value): ts = value
        case .absent: return .rejected(RejectReason(.missingField, field: "ts"))
        case .invalid: return .rejected(RejectReason(.invalidField, field: "ts"))
        case .outOfRange: return .rejected(RejectReason(.tsOutOfRange))
        }
        if watchMs.isBad { return .rejected(RejectReason(.invalidField, field: "watch_ms")) }
        if durationMs.isBad { return .rejected(RejectReason(.invalidField, field: "duration_ms")) }
        if tags.isBad { return .rejected(RejectReason(.invalidField, field: "tags")) }
        if authorId.isBad { return .rejected(RejectReason(.invalidField, field: "author_id")) }
        if country.isBad { return .rejected(RejectReason(.invalidField, field: "country")) }
        if device.isBad { return .rejected(RejectReason(.invalidField, field: "device")) }
        if lang.isBad { return .rejected(RejectReason(.invalidField, field: "lang")) }
        if eventId.isBad { return .rejected(RejectReason(.invalidField, field: "event_id")) }
        return .accepted(
            Interaction(
                userId: userId,
                itemId: itemId,
                type: type,
                timestamp: ts,
                watchMs: watchMs.value,
                durationMs: durationMs.value,
                tags: tags.value,
                authorId: authorId.value,
                country: country.value,
                device: device.value,
                lang: lang.value,
                eventId: eventId.value
            ))
    }
}

extension FieldSlot {
    /// Present but failing its rule (an optional field's only way to reject).
    var isBad: Bool {
        switch self {
        case .invalid, .outOfRange: true
        case .absent, .value: false
        }
    }
}
