/// Decodes and validates interaction events (CONTRACT §2) straight from message bytes.
///
/// One pass over the bytes validates the whole document and copies the strings the event keeps into the batch's
/// arena (see `InteractionBatch`), hashing each as it goes.
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
    public var maxFutureSkewMs: Int64
    /// `SeededStringHash.processSeed`, read once (every string is hashed with it as it is copied).
    let seed = SeededStringHash.processSeed

    public init(maxValueBytes: Int = 65_536, maxFutureSkewMs: Int64 = 3_600_000) {
        self.maxValueBytes = maxValueBytes
        self.maxFutureSkewMs = maxFutureSkewMs
    }

    /// Decodes one message value and appends the event, at `position`, to `batch`; the reason when it is
    /// rejected (then `batch` is as it was).
    ///
    /// The ingest loop's form: strings are copied into the batch's arena and hashed there and then, and nothing
    /// is allocated per event (see `InteractionBatch`).
    public func decode(
        _ bytes: UnsafeRawBufferPointer, nowMs: Int64, position: InputPosition,
        appendingTo batch: inout InteractionBatch
    ) -> RejectReason? {
        let latestTs = latestTs(nowMs: nowMs)
        return withUnsafeMutablePointer(to: &batch) { batch in
            var fields = BatchFields(latestTs: latestTs, seed: seed, batch: batch)
            let reason = scan(bytes, into: &fields)
            if reason == nil { fields.appendEvent(at: position) } else { fields.rollBack() }
            return reason
        }
    }

    /// Decodes and validates one message value straight from its bytes (no copy of the input).
    public func decode(_ bytes: UnsafeRawBufferPointer, nowMs: Int64) -> Decoded<Interaction> {
        var batch = InteractionBatch()
        let position = InputPosition(partition: 0, offset: -1)
        if let reason = decode(bytes, nowMs: nowMs, position: position, appendingTo: &batch) {
            return .rejected(reason)
        }
        return .accepted(batch[0].event)
    }

    private func latestTs(nowMs: Int64) -> Int64 {
        let (latest, overflow) = nowMs.addingReportingOverflow(maxFutureSkewMs)
        return overflow ? .max : latest
    }

    /// Scans and validates `bytes` into `fields`: `nil` when they hold a valid event.
    private func scan(_ bytes: UnsafeRawBufferPointer, into fields: inout BatchFields) -> RejectReason? {
        guard bytes.count <= maxValueBytes else { return RejectReason(.tooLarge) }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return RejectReason(.invalidJSON) }
        fields.prepare(length: bytes.count)
        var scanner = JSONScanner(
            base: base.assumingMemoryBound(to: UInt8.self),
            count: bytes.count,
            fastSmallStrings: false  // no `String` is built: strings go to the batch's arena
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

/// The interaction fields seen so far while scanning one document, their strings already in the batch's arena.
///
/// Points to the batch (the decoder's `inout` argument, for the length of one `decode` call) so the scanner can
/// append to its arena: holding the batch itself (swapped in and out) retained and released its empty
/// placeholder's buffers on every event. The marks say where this document's strings and tags start, so a
/// rejected document or a repeated `tags` key takes back exactly its own.
struct BatchFields: JSONObjectReader {
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
    let seed: UInt64
    let batch: UnsafeMutablePointer<InteractionBatch>
    let bytesMark: Int
    let tagsMark: Int
    var failures = FieldFailures()
    var userId: ArenaString?
    var itemId: ArenaString?
    var type: EventType?
    var ts: Int64?
    var watchMs: Int64?
    var durationMs: Int64?
    var hasTags = false
    var authorId: ArenaString?
    var country: ArenaString?
    var device: ArenaString?
    var lang: ArenaString?
    var eventId: ArenaString?

    init(latestTs: Int64, seed: UInt64, batch: UnsafeMutablePointer<InteractionBatch>) {
        self.latestTs = latestTs
        self.seed = seed
        self.batch = batch
        bytesMark = batch.pointee.bytes.count
        tagsMark = batch.pointee.tags.count
    }

    /// Readies the arena for a document of `length` bytes: its strings, decoded, are never longer.
    mutating func prepare(length: Int) {
        batch.pointee.bytes.prepareToAppend(length)
    }

    @inline(__always)
    mutating func read(_ key: KnownKey, from scanner: inout JSONScanner) throws(JSONSyntaxError) {
        switch key {
        case .userId: userId = try string(&scanner, minBytes: 1, bit: Bit.userId)
        case .itemId: itemId = try string(&scanner, minBytes: 1, bit: Bit.itemId)
        case .type: failures.record(try scanner.readEventType(into: &type), bit: Bit.type)
        case .ts:
            var outcome = try scanner.readInteger(into: &ts)
            if let value = ts, value < InteractionDecoder.minimumTimestampMs || value > latestTs {
                ts = nil
                outcome = .outOfRange
            }
            failures.record(outcome, bit: Bit.ts)
        case .watchMs: watchMs = try integer(&scanner, minimum: 0, bit: Bit.watchMs)
        case .durationMs: durationMs = try integer(&scanner, minimum: 1, bit: Bit.durationMs)
        case .tags:
            let (seed, batch, mark) = (seed, batch, tagsMark)
            batch.pointee.tags.removeSubrange(mark...)  // a repeated key replaces the earlier tags
            let outcome = try scanner.readTagTokens { scanner, token in
                batch.pointee.tags.append(scanner.append(token, to: &batch.pointee.bytes, seed: seed))
            }
            if outcome != .present { batch.pointee.tags.removeSubrange(mark...) }
            hasTags = outcome == .present
            failures.record(outcome, bit: Bit.tags)
        case .authorId: authorId = try string(&scanner, minBytes: 1, bit: Bit.authorId)
        case .country: country = try string(&scanner, minBytes: 0, bit: Bit.country)
        case .device: device = try string(&scanner, minBytes: 0, bit: Bit.device)
        case .lang: lang = try string(&scanner, minBytes: 0, bit: Bit.lang)
        case .eventId: eventId = try string(&scanner, minBytes: 0, bit: Bit.eventId)
        case .createdTs, .unknown: try scanner.skipValue(depth: 2)
        }
    }

    /// A string field: its outcome recorded under `bit`, its value (copied to the arena) when present.
    @inline(__always)
    private mutating func string(
        _ scanner: inout JSONScanner, minBytes: Int, bit: Int
    ) throws(JSONSyntaxError) -> ArenaString? {
        let (outcome, token) = try scanner.readStringToken(minBytes: minBytes)
        failures.record(outcome, bit: bit)
        return token.map { scanner.append($0, to: &batch.pointee.bytes, seed: seed) }
    }

    /// An integer field of at least `minimum`: its outcome recorded under `bit` (beyond `Int64` or below `minimum`
    /// is invalid), its value when valid.
    @inline(__always)
    private mutating func integer(
        _ scanner: inout JSONScanner, minimum: Int64, bit: Int
    ) throws(JSONSyntaxError) -> Int64? {
        var value: Int64?
        var outcome = try scanner.readInteger(into: &value)
        if outcome == .outOfRange { outcome = .invalid }
        if let number = value, number < minimum {
            value = nil
            outcome = .invalid
        }
        failures.record(outcome, bit: bit)
        return value
    }

    /// Applies the field rules in their documented precedence: the reason of the first that fails, `nil` when the
    /// fields make an event (then `appendEvent(at:)` adds it).
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
        // Unreachable (a missing required field is a failure above): checked so `appendEvent`'s fallbacks never apply.
        guard userId != nil, itemId != nil, type != nil, ts != nil else { return RejectReason(.invalidJSON) }
        return nil
    }

    /// Appends the event; call once, after `rejection()` returned `nil`.
    mutating func appendEvent(at position: InputPosition) {
        var present: BatchEvent.Fields = []
        if authorId != nil { present.insert(.author) }
        if country != nil { present.insert(.country) }
        if device != nil { present.insert(.device) }
        if lang != nil { present.insert(.lang) }
        if eventId != nil { present.insert(.eventId) }
        if hasTags { present.insert(.tags) }
        if watchMs != nil { present.insert(.watchMs) }
        if durationMs != nil { present.insert(.durationMs) }
        batch.pointee.events.append(
            BatchEvent(
                user: userId ?? ArenaString(), item: itemId ?? ArenaString(), author: authorId ?? ArenaString(),
                country: country ?? ArenaString(), device: device ?? ArenaString(), lang: lang ?? ArenaString(),
                eventId: eventId ?? ArenaString(), tagStart: UInt32(tagsMark),
                tagCount: hasTags ? UInt16(batch.pointee.tags.count - tagsMark) : 0, present: present,
                type: type ?? .view, timestamp: ts ?? 0, watchMs: watchMs ?? 0, durationMs: durationMs ?? 0,
                position: position))
    }

    /// Takes back this document's strings and tags.
    mutating func rollBack() {
        batch.pointee.bytes.removeLast(from: bytesMark)
        batch.pointee.tags.removeSubrange(tagsMark...)
    }
}
