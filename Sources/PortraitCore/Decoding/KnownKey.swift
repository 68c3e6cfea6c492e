/// The object keys the decoders act on; anything else is `unknown` and its value is only validated.
enum KnownKey: UInt8 {
    case userId, itemId, type, ts, watchMs, durationMs, tags, authorId, country, device, lang, eventId, createdTs
    case unknown

    /// The longest known key in UTF-8 bytes (`duration_ms`); longer keys need no comparison.
    static let maxLength = 11

    /// Identifies a key from its (unescaped) UTF-8 bytes.
    @inline(__always)
    static func identify(_ key: UnsafePointer<UInt8>, count: Int) -> KnownKey {
        switch count {
        case 2: return matches(key, "ts") ? .ts : .unknown
        case 4:
            if matches(key, "type") { return .type }
            if matches(key, "tags") { return .tags }
            return matches(key, "lang") ? .lang : .unknown
        case 6: return matches(key, "device") ? .device : .unknown
        case 7:
            if matches(key, "user_id") { return .userId }
            if matches(key, "item_id") { return .itemId }
            return matches(key, "country") ? .country : .unknown
        case 8:
            if matches(key, "watch_ms") { return .watchMs }
            return matches(key, "event_id") ? .eventId : .unknown
        case 9: return matches(key, "author_id") ? .authorId : .unknown
        case 10: return matches(key, "created_ts") ? .createdTs : .unknown
        case 11: return matches(key, "duration_ms") ? .durationMs : .unknown
        default: return .unknown
        }
    }

    /// Compares `name.utf8CodeUnitCount` bytes at `bytes` with `name`; the caller has checked the length.
    @inline(__always)
    static func matches(_ bytes: UnsafePointer<UInt8>, _ name: StaticString) -> Bool {
        let expected = name.utf8Start
        for offset in 0..<name.utf8CodeUnitCount where bytes[offset] != expected[offset] { return false }
        return true
    }
}
