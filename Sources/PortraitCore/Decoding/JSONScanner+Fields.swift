/// Reading a top-level object and the typed field values the decoders keep.
extension JSONScanner {
    /// How a whole document turned out, before any field rule.
    enum DocumentShape {
        case object
        case notObject
        case invalidJSON
    }

    /// Scans the whole document, handing each member of a top-level object to `reader`.
    ///
    /// A leading UTF-8 byte order mark is skipped; whitespace may surround the value; anything else after it
    /// makes the document invalid.
    mutating func scanDocument<Reader: JSONObjectReader>(into reader: inout Reader) -> DocumentShape {
        if end >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { index = 3 }
        skipWhitespace()
        do {
            if current != UInt8(ascii: "{") {
                try skipValue(depth: 1)
                skipWhitespace()
                return index == end ? .notObject : .invalidJSON
            }
            index += 1
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                index += 1
            } else {
                try scanMembers(into: &reader)
            }
            skipWhitespace()
            return index == end ? .object : .invalidJSON
        } catch {
            return .invalidJSON
        }
    }

    private mutating func scanMembers<Reader: JSONObjectReader>(into reader: inout Reader) throws(JSONSyntaxError) {
        while true {
            guard current == UInt8(ascii: "\"") else { throw JSONSyntaxError() }
            let key: KnownKey
            if index &+ 17 <= end,
                let match = KnownKey.fastMatch(
                    UInt64(littleEndian: UnsafeRawPointer(base + index + 1).loadUnaligned(as: UInt64.self)),
                    UInt64(littleEndian: UnsafeRawPointer(base + index + 9).loadUnaligned(as: UInt64.self))
                )
            {
                key = match.key
                index &+= 1 &+ match.length
            } else {
                let keyToken = try scanString()
                key = withDecodedBytes(keyToken, limit: KnownKey.maxLength) { bytes, count in
                    bytes.map { KnownKey.identify($0, count: count) } ?? .unknown
                }
            }
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            try reader.read(key, from: &self)
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                index += 1
                return
            default: throw JSONSyntaxError()
            }
        }
    }

    /// The longest string value (UTF-8 bytes after unescaping) of any field (CONTRACT §2).
    static let maxStringBytes = 256

    /// A string of `minBytes`…256 UTF-8 bytes after unescaping; `null` is absent; anything else invalid.
    @inline(__always)
    mutating func readString(
        minBytes: Int,
        into value: inout String?
    ) throws(JSONSyntaxError)
        -> FieldOutcome
    {
        let (outcome, token) = try readStringToken(minBytes: minBytes)
        value = token.map(makeString)
        return outcome
    }

    /// A string field's token, when its value is a string of `minBytes`…256 UTF-8 bytes after unescaping (then
    /// `present`); `null` is absent; anything else invalid. The callers build the value they keep from the token.
    @inline(__always)
    mutating func readStringToken(minBytes: Int) throws(JSONSyntaxError) -> (FieldOutcome, StringToken?) {
        switch current {
        case UInt8(ascii: "\""):
            let token = try scanString()
            guard token.decodedCount >= minBytes && token.decodedCount <= Self.maxStringBytes else {
                return (.invalid, nil)
            }
            return (.present, token)
        case UInt8(ascii: "n"):
            try scanLiteral("null")
            return (.absent, nil)
        default:
            try skipValue(depth: 2)
            return (.invalid, nil)
        }
    }

    /// An integer lexeme that fits `Int64`; one that does not is `outOfRange`; fractions, exponents and
    /// other types are invalid; `null` is absent.
    @inline(__always)
    mutating func readInteger(into value: inout Int64?) throws(JSONSyntaxError) -> FieldOutcome {
        value = nil
        switch current {
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let number = try scanNumber()
            guard number.isInteger else { return .invalid }
            guard !number.overflow else { return .outOfRange }
            value = number.value
            return .present
        case UInt8(ascii: "n"):
            try scanLiteral("null")
            return .absent
        default:
            try skipValue(depth: 2)
            return .invalid
        }
    }

    /// An event type name; a string that names none is `outOfRange` (`unknown_type`).
    @inline(__always)
    mutating func readEventType(into value: inout EventType?) throws(JSONSyntaxError) -> FieldOutcome {
        value = nil
        switch current {
        case UInt8(ascii: "\""):
            if index &+ 17 <= end,
                let match = Self.fastEventType(
                    UInt64(littleEndian: UnsafeRawPointer(base + index + 1).loadUnaligned(as: UInt64.self)),
                    UInt64(littleEndian: UnsafeRawPointer(base + index + 9).loadUnaligned(as: UInt64.self))
                )
            {
                value = match.type
                index &+= 1 &+ match.length
                return .present
            }
            let token = try scanString()
            value = withDecodedBytes(token, limit: 14) { bytes, count in
                bytes.flatMap { Self.eventType($0, count: count) }
            }
            return value == nil ? .outOfRange : .present
        case UInt8(ascii: "n"):
            try scanLiteral("null")
            return .absent
        default:
            try skipValue(depth: 2)
            return .invalid
        }
    }

    /// Recognises a plainly written type name with its closing quote from the 16 bytes after the opening quote
    /// (as `KnownKey.fastMatch` does for keys); escaped spellings go through the general path.
    @inline(__always)
    static func fastEventType(_ w0: UInt64, _ w1: UInt64) -> (type: EventType, length: Int)? {
        switch UInt8(truncatingIfNeeded: w0) {
        case UInt8(ascii: "v"): if w0 & 0xFF_FFFF_FFFF == 0x22_7765_6976 { return (.view, 5) }  // view"
        case UInt8(ascii: "l"): if w0 & 0xFF_FFFF_FFFF == 0x22_656B_696C { return (.like, 5) }  // like"
        case UInt8(ascii: "s"):
            if w0 & 0xFF_FFFF_FFFF == 0x22_7069_6B73 { return (.skip, 5) }  // skip"
            if w0 & 0xFFFF_FFFF_FFFF == 0x2265_7261_6873 { return (.share, 6) }  // share"
        case UInt8(ascii: "c"): if w0 == 0x2274_6E65_6D6D_6F63 { return (.comment, 8) }  // comment"
        case UInt8(ascii: "f"): if w0 & 0xFF_FFFF_FFFF_FFFF == 0x22_776F_6C6C_6F66 { return (.follow, 7) }  // follow"
        case UInt8(ascii: "n"):
            // not_interested"
            if w0 == 0x6574_6E69_5F74_6F6E, w1 & 0xFF_FFFF_FFFF_FFFF == 0x22_6465_7473_6572 {
                return (.notInterested, 15)
            }
        default: break
        }
        return nil
    }

    @inline(__always)
    static func eventType(_ name: UnsafePointer<UInt8>, count: Int) -> EventType? {
        switch count {
        case 4:
            if KnownKey.matches(name, "view") { return .view }
            if KnownKey.matches(name, "like") { return .like }
            return KnownKey.matches(name, "skip") ? .skip : nil
        case 5: return KnownKey.matches(name, "share") ? .share : nil
        case 6: return KnownKey.matches(name, "follow") ? .follow : nil
        case 7: return KnownKey.matches(name, "comment") ? .comment : nil
        case 14: return KnownKey.matches(name, "not_interested") ? .notInterested : nil
        default: return nil
        }
    }

    /// The maximum number of tags in one record (CONTRACT §2).
    static let maxTags = 64

    /// An array of at most 64 strings of 1–256 bytes each. Strings are built only while the array is
    /// still valid, so a bad array costs validation only and memory stays bounded.
    mutating func readTags(into value: inout [String]?) throws(JSONSyntaxError) -> FieldOutcome {
        var tags: [String] = []
        let outcome = try readTagTokens { scanner, token in
            if tags.isEmpty { tags.reserveCapacity(4) }
            tags.append(scanner.makeString(token))
        }
        value = outcome == .present ? tags : nil
        return outcome
    }

    /// Reads a tags value: an array of at most 64 strings of 1–256 bytes each, each handed to `keep` (with the
    /// scanner, to build it from) while the array is still valid; `null` is absent; anything else, or a bad
    /// element, invalid. The caller drops what it kept unless the outcome is `present`.
    @inline(__always)
    mutating func readTagTokens(
        _ keep: (_ scanner: JSONScanner, _ token: StringToken) -> Void
    ) throws(JSONSyntaxError) -> FieldOutcome {
        switch current {
        case UInt8(ascii: "["): break
        case UInt8(ascii: "n"):
            try scanLiteral("null")
            return .absent
        default:
            try skipValue(depth: 2)
            return .invalid
        }
        index += 1
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            return .present
        }
        var valid = true
        var count = 0
        while true {
            count += 1
            if current == UInt8(ascii: "\"") {
                let token = try scanString()
                if valid && count <= Self.maxTags && token.decodedCount >= 1
                    && token.decodedCount <= Self.maxStringBytes
                {
                    keep(self, token)
                } else {
                    valid = false
                }
            } else {
                try skipValue(depth: 3)
                valid = false
            }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                index += 1
                return valid ? .present : .invalid
            default: throw JSONSyntaxError()
            }
        }
    }
}

/// Strings read into an `InteractionBatch`'s arena (the interaction decoder's form).
extension JSONScanner {
    /// Appends a validated token's decoded bytes to `arena`; where they lie and their hash.
    @inline(__always)
    func append(_ token: StringToken, to arena: inout ByteArena, seed: UInt64) -> ArenaString {
        let count = token.decodedCount
        let offset: Int
        if !token.hasEscapes {
            // The closing quote and the rest of the message follow the bytes: the readable count lets short
            // strings be copied, and their last word hashed, as whole words.
            offset = arena.append(base + token.start, length: count, readable: end &- token.start)
        } else {
            offset = arena.append(length: count) { _ = unescape(token, into: $0) }
        }
        let hash = SeededStringHash.hash(
            arena.base + offset, count: count, readableCount: count &+ ByteArena.slack, seed: seed)
        return ArenaString(offset: UInt32(truncatingIfNeeded: offset), count: UInt32(count), hash: hash)
    }
}

/// Receives the members of a top-level object, one key at a time, and must consume exactly its value.
protocol JSONObjectReader {
    mutating func read(_ key: KnownKey, from scanner: inout JSONScanner) throws(JSONSyntaxError)
}
