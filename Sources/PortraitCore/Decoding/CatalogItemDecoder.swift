/// Decodes and validates catalog item records (CONTRACT §3) straight from message bytes.
///
/// The same scanner and document rules as `InteractionDecoder` (size, JSON, object, BOM, depth, duplicate
/// keys, `null` = absent), then the fields in the order `item_id` (required, 1–256 bytes), `tags`, `author_id`
/// (1–256 bytes), `created_ts` (any integer that fits `Int64`), `duration_ms` (> 0). A tombstone is a null
/// Kafka value and never reaches this decoder; the JSON text `null` is `not_object`.
public struct CatalogItemDecoder: Sendable {
    public var maxValueBytes: Int

    public init(maxValueBytes: Int = 65_536) {
        self.maxValueBytes = maxValueBytes
    }

    /// Decodes and validates one item record from its bytes (no copy of the input).
    public func decode(_ bytes: UnsafeRawBufferPointer) -> Decoded<CatalogItem> {
        guard bytes.count <= maxValueBytes else { return .rejected(RejectReason(.tooLarge)) }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return .rejected(RejectReason(.invalidJSON)) }
        var scanner = JSONScanner(base: base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
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
    var itemId: FieldSlot<String> = .absent
    var tags: FieldSlot<[String]> = .absent
    var authorId: FieldSlot<String> = .absent
    var createdTs: FieldSlot<Int64> = .absent
    var durationMs: FieldSlot<Int64> = .absent

    mutating func read(_ key: KnownKey, from scanner: inout JSONScanner) throws(JSONSyntaxError) {
        switch key {
        case .itemId: itemId = try scanner.readString(bytes: 1...256)
        case .tags: tags = try scanner.readTags()
        case .authorId: authorId = try scanner.readString(bytes: 1...256)
        case .createdTs: createdTs = try scanner.readInteger()
        case .durationMs:
            durationMs = try scanner.readInteger()
            if let value = durationMs.value, value <= 0 { durationMs = .invalid }
        default: try scanner.skipValue(depth: 2)
        }
    }

    func validated() -> Decoded<CatalogItem> {
        let itemId: String
        switch self.itemId {
        case .value(let value): itemId = value
        case .absent: return .rejected(RejectReason(.missingField, field: "item_id"))
        case .invalid, .outOfRange: return .rejected(RejectReason(.invalidField, field: "item_id"))
        }
        if tags.isBad { return .rejected(RejectReason(.invalidField, field: "tags")) }
        if authorId.isBad { return .rejected(RejectReason(.invalidField, field: "author_id")) }
        if createdTs.isBad { return .rejected(RejectReason(.invalidField, field: "created_ts")) }
        if durationMs.isBad { return .rejected(RejectReason(.invalidField, field: "duration_ms")) }
        return .accepted(
            CatalogItem(
                itemId: itemId,
                tags: tags.value ?? [],
                authorId: authorId.value,
                createdTs: createdTs.value,
                durationMs: durationMs.value
            ))
    }
}
