/// Decodes and validates catalog item records (CONTRACT §3) straight from message bytes.
///
/// The same scanner and document rules as `InteractionDecoder` (size, JSON, object, BOM, depth, duplicate
/// keys, `null` = absent), then the fields in the order `item_id` (required, 1–256 bytes), `tags`, `author_id`
/// (1–256 bytes), `created_ts` (any integer that fits `Int64`), `duration_ms` (> 0). A tombstone is a null
/// Kafka value and never reaches this decoder; the JSON text `null` is `not_object`.
public struct CatalogItemDecoder: Sendable {
    public var maxValueBytes: Int
    /// Whether short ASCII strings may be built inline (`SmallASCIIString.isAvailable`, checked once).
    let fastSmallStrings = SmallASCIIString.isAvailable

    public init(maxValueBytes: Int = 65_536) {
        self.maxValueBytes = maxValueBytes
    }

    /// Decodes and validates one item record from its bytes (no copy of the input).
    public func decode(_ bytes: UnsafeRawBufferPointer) -> Decoded<CatalogItem> {
        guard bytes.count <= maxValueBytes else { return .rejected(RejectReason(.tooLarge)) }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return .rejected(RejectReason(.invalidJSON)) }
        var scanner = JSONScanner(
            base: base.assumingMemoryBound(to: UInt8.self),
            count: bytes.count,
            fastSmallStrings: fastSmallStrings
        )
        var fields = CatalogItemFields()
        switch scanner.scanDocument(into: &fields) {
        case .invalidJSON: return .rejected(RejectReason(.invalidJSON))
        case .notObject: return .rejected(RejectReason(.notObject))
        case .object: return fields.validated()
        }
    }

    /// Decodes one item record held in an array.
    public func decode(_ bytes: [UInt8]) -> Decoded<CatalogItem> {
        bytes.withUnsafeBytes { decode($0) }
    }

    /// Decodes the UTF-8 of `text` (for tests and tools).
    public func decode(_ text: String) -> Decoded<CatalogItem> {
        decode(Array(text.utf8))
    }
}

/// The catalog fields seen so far while scanning one document.
struct CatalogItemFields: JSONObjectReader {
    /// Field numbers, in precedence order.
    enum Bit {
        static let itemId = 0, tags = 1, authorId = 2, createdTs = 3, durationMs = 4
    }

    static let names = ["item_id", "tags", "author_id", "created_ts", "duration_ms"]

    var failures = FieldFailures()
    var itemId: String?
    var tags: [String]?
    var authorId: String?
    var createdTs: Int64?
    var durationMs: Int64?

    mutating func read(_ key: KnownKey, from scanner: inout JSONScanner) throws(JSONSyntaxError) {
        switch key {
        case .itemId: failures.record(try scanner.readString(minBytes: 1, into: &itemId), bit: Bit.itemId)
        case .tags: failures.record(try scanner.readTags(into: &tags), bit: Bit.tags)
        case .authorId: failures.record(try scanner.readString(minBytes: 1, into: &authorId), bit: Bit.authorId)
        case .createdTs:
            // Any integer is a creation time; one beyond Int64 is simply invalid.
            let outcome = try scanner.readInteger(into: &createdTs)
            failures.record(outcome == .outOfRange ? .invalid : outcome, bit: Bit.createdTs)
        case .durationMs:
            var outcome = try scanner.readInteger(into: &durationMs)
            if outcome == .outOfRange { outcome = .invalid }
            if let value = durationMs, value <= 0 {
                durationMs = nil
                outcome = .invalid
            }
            failures.record(outcome, bit: Bit.durationMs)
        default: try scanner.skipValue(depth: 2)
        }
    }

    mutating func validated() -> Decoded<CatalogItem> {
        if let failure = failures.firstFailure(missing: itemId == nil ? 1 << Bit.itemId : 0) {
            let kind: RejectReason.Kind = failure.kind == .absent ? .missingField : .invalidField
            return .rejected(RejectReason(kind, field: Self.names[failure.bit]))
        }
        guard let itemId = itemId.take() else { return .rejected(RejectReason(.invalidJSON)) }
        return .accepted(
            CatalogItem(
                itemId: itemId,
                tags: tags.take() ?? [],
                authorId: authorId.take(),
                createdTs: createdTs,
                durationMs: durationMs
            )
        )
    }
}
