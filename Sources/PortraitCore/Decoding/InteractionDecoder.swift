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
///
/// Where we differ from Foundation's `JSONSerialization` (deliberately; the fuzz tests pin each one): trailing
/// commas (`{"a":1,}`) are `invalid_json` here (RFC 8259) while Foundation on Linux accepts them; a U+FEFF at the
/// start of a string or key is kept as sent, Foundation drops it; numbers beyond `Double` (`1e999`) are valid JSON
/// here (for `ts` they are not integers: `invalid_field:ts`), Foundation rejects the document; depth is capped at
/// 64, Foundation's at 512; UTF-16/32 input is not sniffed.
public struct InteractionDecoder: Sendable {
    /// The earliest accepted event time: 2000-01-01T00:00:00Z.
    public static let minimumTimestampMs: Int64 = 946_684_800_000

    public var maxValueBytes: Int
    /// Whether short ASCII strings may be built inline (`SmallASCIIString.isAvailable`, checked once).
    let fastSmallStrings = SmallASCIIString.isAvailable
    public var maxFutureSkewMs: Int64

    public init(maxValueBytes: Int = 65_536, maxFutureSkewMs: Int64 = 3_600_000) {
        self.maxValueBytes = maxValueBytes
        self.maxFutureSkewMs = maxFutureSkewMs
    }

    /// Decodes and validates one message value straight from its bytes (no copy of the input).
    public func decode(_ bytes: UnsafeRawBufferPointer, nowMs: Int64) -> Decoded<Interaction> {
        var fields = InteractionFields(latestTs: latestTs(nowMs: nowMs))
        if let reason = scan(bytes, into: &fields) { return .rejected(reason) }
        return .accepted(fields.takeInteraction())
    }

    /// Decodes one message value and appends the event, at `position`, to `events`; the reason when it is
    /// rejected (nothing appended).
    ///
    /// The ingest loop's form: the event is built in its place in `events`. Matching the `Decoded` of
    /// `decode(_:nowMs:)` and wrapping its payload copied the event (a retain and a release of each of its strings
    /// and its tag array, and the 180-byte struct moved twice): ~7 % of the ingest thread in `bench e2e`.
    public func decode(
        _ bytes: UnsafeRawBufferPointer, nowMs: Int64, position: InputPosition,
        appendingTo events: inout [PositionedInteraction]
    ) -> RejectReason? {
        var fields = InteractionFields(latestTs: latestTs(nowMs: nowMs))
        if let reason = scan(bytes, into: &fields) { return reason }
        events.append(PositionedInteraction(event: fields.takeInteraction(), position: position))
        return nil
    }

    private func latestTs(nowMs: Int64) -> Int64 {
        let (latest, overflow) = nowMs.addingReportingOverflow(maxFutureSkewMs)
        return overflow ? .max : latest
    }

    /// Scans and validates `bytes` into `fields`: `nil` when they hold a valid event.
    private func scan(_ bytes: UnsafeRawBufferPointer, into fields: inout InteractionFields) -> RejectReason? {
        guard bytes.count <= maxValueBytes else { return RejectReason(.tooLarge) }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return RejectReason(.invalidJSON) }
        var scanner = JSONScanner(
            base: base.assumingMemoryBound(to: UInt8.self),
            count: bytes.count,
            fastSmallStrings: fastSmallStrings
        )
        switch scanner.scanDocument(into: &fields) {
        case .invalidJSON: return RejectReason(.invalidJSON)
        case .notObject: return RejectReason(.notObject)
        case .object: return fields.rejection()
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
    /// Field numbers, in precedence order.
    enum Bit {
        static let userId = 0, itemId = 1, type = 2, ts = 3, watchMs = 4, durationMs = 5, tags = 6, authorId = 7
        static let country = 8, device = 9, lang = 10, eventId = 11
    }

    static let names = [
        "user_id", "item_id", "type", "ts", "watch_ms", "duration_ms", "tags", "author_id", "country", "device",
        "lang", "event_id",
    ]

    let latestTs: Int64
    var failures = FieldFailures()
    var userId: String?
    var itemId: String?
    var type: EventType?
    var ts: Int64?
    var watchMs: Int64?
    var durationMs: Int64?
    var tags: [String]?
    var authorId: String?
    var country: String?
    var device: String?
    var lang: String?
    var eventId: String?

    init(latestTs: Int64) {
        self.latestTs = latestTs
    }

    @inline(__always)
    mutating func read(_ key: KnownKey, from scanner: inout JSONScanner) throws(JSONSyntaxError) {
        switch key {
        case .userId: failures.record(try scanner.readString(minBytes: 1, into: &userId), bit: Bit.userId)
        case .itemId: failures.record(try scanner.readString(minBytes: 1, into: &itemId), bit: Bit.itemId)
        case .type: failures.record(try scanner.readEventType(into: &type), bit: Bit.type)
        case .ts:
            var outcome = try scanner.readInteger(into: &ts)
            if let value = ts, value < InteractionDecoder.minimumTimestampMs || value > latestTs {
                ts = nil
                outcome = .outOfRange
            }
            failures.record(outcome, bit: Bit.ts)
        case .watchMs:
            var outcome = try scanner.readInteger(into: &watchMs)
            if outcome == .outOfRange { outcome = .invalid }
            if let value = watchMs, value < 0 {
                watchMs = nil
                outcome = .invalid
            }
            failures.record(outcome, bit: Bit.watchMs)
        case .durationMs:
            var outcome = try scanner.readInteger(into: &durationMs)
            if outcome == .outOfRange { outcome = .invalid }
            if let value = durationMs, value <= 0 {
                durationMs = nil
                outcome = .invalid
            }
            failures.record(outcome, bit: Bit.durationMs)
        case .tags: failures.record(try scanner.readTags(into: &tags), bit: Bit.tags)
        case .authorId: failures.record(try scanner.readString(minBytes: 1, into: &authorId), bit: Bit.authorId)
        case .country: failures.record(try scanner.readString(minBytes: 0, into: &country), bit: Bit.country)
        case .device: failures.record(try scanner.readString(minBytes: 0, into: &device), bit: Bit.device)
        case .lang: failures.record(try scanner.readString(minBytes: 0, into: &lang), bit: Bit.lang)
        case .eventId: failures.record(try scanner.readString(minBytes: 0, into: &eventId), bit: Bit.eventId)
        case .createdTs, .unknown: try scanner.skipValue(depth: 2)
        }
    }

    /// Applies the field rules in their documented precedence: the reason of the first that fails, `nil` when the
    /// fields make an event (then `takeInteraction()` builds it).
    func rejection() -> RejectReason? {
        var missing: UInt16 = 0
        if userId == nil { missing |= 1 << Bit.userId }
        if itemId == nil { missing |= 1 << Bit.itemId }
        if type == nil { missing |= 1 << Bit.type }
        if ts == nil { missing |= 1 << Bit.ts }
        if let failure = failures.firstFailure(missing: missing) {
            switch failure.kind {
            case .outOfRange: return RejectReason(failure.bit == Bit.type ? .unknownType : .tsOutOfRange)
            case .invalid: return RejectReason(.invalidField, field: Self.names[failure.bit])
            case .absent, .present: return RejectReason(.missingField, field: Self.names[failure.bit])
            }
        }
        // Unreachable (a missing required field is a failure above): checked so `takeInteraction`'s fallbacks never apply.
        guard userId != nil, itemId != nil, type != nil, ts != nil else { return RejectReason(.invalidJSON) }
        return nil
    }

    /// Moves the fields out into an event; call once, after `rejection()` returned `nil`.
    ///
    /// `mutating` with `take()` rather than `consuming`: measured, a consuming method copies the whole field set
    /// (~40 % slower decode), while taking moves each string out once.
    mutating func takeInteraction() -> Interaction {
        Interaction(
            userId: userId.take() ?? "",
            itemId: itemId.take() ?? "",
            type: type ?? .view,
            timestamp: ts ?? 0,
            watchMs: watchMs,
            durationMs: durationMs,
            tags: tags.take(),
            authorId: authorId.take(),
            country: country.take(),
            device: device.take(),
            lang: lang.take(),
            eventId: eventId.take()
        )
    }
}
