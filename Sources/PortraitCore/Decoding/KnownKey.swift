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

    /// Recognises a known key written plainly (no escapes) from the 16 bytes after its opening quote, loaded
    /// little-endian as `w0` and `w1`; returns the key and its length including the closing quote.
    ///
    /// Each pattern includes the closing quote, so a match is exactly that key and nothing longer; anything
    /// else (escaped keys, unknown keys) goes through the general string scanner.
    @inline(__always)
    static func fastMatch(_ w0: UInt64, _ w1: UInt64) -> (key: KnownKey, length: Int)? {
        switch UInt8(truncatingIfNeeded: w0) {
        case UInt8(ascii: "u"):
            if w0 == 0x2264_695F_7265_7375 { return (.userId, 8) }  // user_id"
        case UInt8(ascii: "i"):
            if w0 == 0x2264_695F_6D65_7469 { return (.itemId, 8) }  // item_id"
        case UInt8(ascii: "t"):
            if w0 & 0xFF_FFFF_FFFF == 0x22_6570_7974 { return (.type, 5) }  // type"
            if w0 & 0xFF_FFFF == 0x22_7374 { return (.ts, 3) }  // ts"
            if w0 & 0xFF_FFFF_FFFF == 0x22_7367_6174 { return (.tags, 5) }  // tags"
        case UInt8(ascii: "w"):
            if w0 == 0x736D_5F68_6374_6177, w1 & 0xFF == 0x22 { return (.watchMs, 9) }  // watch_ms"
        case UInt8(ascii: "d"):
            if w0 == 0x6E6F_6974_6172_7564, w1 & 0xFFFF_FFFF == 0x2273_6D5F { return (.durationMs, 12) }  // duration_ms"
            if w0 & 0xFF_FFFF_FFFF_FFFF == 0x22_6563_6976_6564 { return (.device, 7) }  // device"
        case UInt8(ascii: "a"):
            if w0 == 0x695F_726F_6874_7561, w1 & 0xFFFF == 0x2264 { return (.authorId, 10) }  // author_id"
        case UInt8(ascii: "c"):
            if w0 == 0x2279_7274_6E75_6F63 { return (.country, 8) }  // country"
            if w0 == 0x5F64_6574_6165_7263, w1 & 0xFF_FFFF == 0x22_7374 { return (.createdTs, 11) }  // created_ts"
        case UInt8(ascii: "l"):
            if w0 & 0xFF_FFFF_FFFF == 0x22_676E_616C { return (.lang, 5) }  // lang"
        case UInt8(ascii: "e"):
            if w0 == 0x6469_5F74_6E65_7665, w1 & 0xFF == 0x22 { return (.eventId, 9) }  // event_id"
        default: break
        }
        return nil
    }

    /// Compares `name.utf8CodeUnitCount` bytes at `bytes` with `name`; the caller has checked the length.
    @inline(__always)
    static func matches(_ bytes: UnsafePointer<UInt8>, _ name: StaticString) -> Bool {
        let expected = name.utf8Start
        for offset in 0..<name.utf8CodeUnitCount where bytes[offset] != expected[offset] { return false }
        return true
    }
}
