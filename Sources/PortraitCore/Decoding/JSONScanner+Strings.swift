/// Strings: validation of escapes, surrogate pairs and UTF-8 in one pass, then unescaping on demand.
extension JSONScanner {
    /// A validated string: where its raw contents lie (between the quotes) and its length once unescaped.
    struct StringToken {
        var start: Int
        var end: Int
        /// UTF-8 bytes after unescaping: what the contract's length limits count.
        var decodedCount: Int
        var hasEscapes: Bool
        /// Every byte is ASCII (no multi-byte scalar and no escape).
        var isASCII: Bool
    }

    /// Validates and consumes a string; `current` must be the opening quote.
    @inline(__always)
    mutating func scanString() throws(JSONSyntaxError) -> StringToken {
        let start = index + 1
        var position = start
        var saved = 0  // raw bytes minus decoded bytes, from escapes
        var hasEscapes = false
        var isASCII = true
        while true {
            // Plain ASCII, eight bytes at a time, then byte by byte up to the next special byte.
            position = skipPlainASCII(from: position)
            guard position < end else { throw JSONSyntaxError() }
            let byte = base[position]
            if byte == UInt8(ascii: "\"") { break }
            index = position
            if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                saved += try scanEscape()
            } else if byte < 0x20 {
                throw JSONSyntaxError()
            } else {
                isASCII = false
                try scanMultibyteScalar(lead: byte)
            }
            position = index
        }
        index = position + 1
        return StringToken(
            start: start,
            end: position,
            decodedCount: position - start - saved,
            hasEscapes: hasEscapes,
            isASCII: isASCII && !hasEscapes
        )
    }

    /// The first position at or after `position` holding a quote, a backslash, a control or a non-ASCII byte
    /// (or `end`). Words of eight bytes are tested at once with the classic "has zero byte" bit tricks; the
    /// lowest flagged byte is exact, so its position is the answer.
    @inline(__always)
    func skipPlainASCII(from position: Int) -> Int {
        var position = position
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while position &+ 8 <= end {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self))
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            let special =
                ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word)
                | word
            let flagged = special & highs
            if flagged != 0 { return position &+ flagged.trailingZeroBitCount >> 3 }
            position &+= 8
        }
        while position < end {
            let byte = base[position]
            if byte < 0x20 || byte >= 0x80 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { break }
            position &+= 1
        }
        return position
    }

    /// Validates one escape at `index` (the backslash) and returns how many bytes shorter its decoding is.
    private mutating func scanEscape() throws(JSONSyntaxError) -> Int {
        guard index + 1 < end else { throw JSONSyntaxError() }
        switch base[index + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            index += 2
            return 1
        case UInt8(ascii: "u"):
            let unit = try hexQuad(at: index + 2)
            index += 6
            switch unit {
            case 0xD800...0xDBFF:
                // A high surrogate must be followed by an escaped low surrogate: together 12 bytes → 4.
                guard index + 1 < end, base[index] == UInt8(ascii: "\\"), base[index + 1] == UInt8(ascii: "u") else {
                    throw JSONSyntaxError()
                }
                let low = try hexQuad(at: index + 2)
                guard (0xDC00...0xDFFF).contains(low) else { throw JSONSyntaxError() }
                index += 6
                return 8
            case 0xDC00...0xDFFF:
                throw JSONSyntaxError()
            case 0..<0x80: return 5
            case 0x80..<0x800: return 4
            default: return 3
            }
        default:
            throw JSONSyntaxError()
        }
    }

    /// Four hex digits at `position` as a UTF-16 code unit.
    @inline(__always)
    private func hexQuad(at position: Int) throws(JSONSyntaxError) -> UInt32 {
        guard position + 4 <= end else { throw JSONSyntaxError() }
        var unit: UInt32 = 0
        for offset in 0..<4 {
            let nibble = Self.hexValue(base[position + offset])
            guard nibble < 16 else { throw JSONSyntaxError() }
            unit = unit << 4 | UInt32(nibble)
        }
        return unit
    }

    /// The value of a hex digit, or 255.
    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: 255
        }
    }

    /// Validates one multi-byte UTF-8 scalar at `index` (Unicode Table 3-7: no overlongs, no surrogates,
    /// nothing above U+10FFFF) and consumes it.
    private mutating func scanMultibyteScalar(lead: UInt8) throws(JSONSyntaxError) {
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            secondRange = 0x80...0x9F
        case 0xF0:
            length = 4
            secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            secondRange = 0x80...0x8F
        default: throw JSONSyntaxError()
        }
        guard index + length <= end, secondRange.contains(base[index + 1]) else { throw JSONSyntaxError() }
        for offset in 2..<length where base[index + offset] & 0xC0 != 0x80 { throw JSONSyntaxError() }
        index += length
    }

    /// Writes the decoded bytes of a validated `token` to `output` (room for `token.decodedCount` bytes).
    func unescape(_ token: StringToken, into output: UnsafeMutablePointer<UInt8>) -> Int {
        var position = token.start
        var written = 0
        while position < token.end {
            let byte = base[position]
            guard byte == UInt8(ascii: "\\") else {
                output[written] = byte
                written += 1
                position += 1
                continue
            }
            let escaped = base[position + 1]
            position += 2
            switch escaped {
            case UInt8(ascii: "b"): output[written] = 0x08
            case UInt8(ascii: "f"): output[written] = 0x0C
            case UInt8(ascii: "n"): output[written] = 0x0A
            case UInt8(ascii: "r"): output[written] = 0x0D
            case UInt8(ascii: "t"): output[written] = 0x09
            case UInt8(ascii: "u"):
                var scalar = uncheckedHexQuad(at: position)
                position += 4
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    let low = uncheckedHexQuad(at: position + 2)
                    position += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                written += Self.writeUTF8(scalar, to: output + written)
                continue
            default: output[written] = escaped  // `"`, `\`, `/`
            }
            written += 1
        }
        return written
    }

    @inline(__always)
    private func uncheckedHexQuad(at position: Int) -> UInt32 {
        var unit: UInt32 = 0
        for offset in 0..<4 { unit = unit << 4 | UInt32(Self.hexValue(base[position + offset])) }
        return unit
    }

    @inline(__always)
    private static func writeUTF8(_ scalar: UInt32, to output: UnsafeMutablePointer<UInt8>) -> Int {
        switch scalar {
        case 0..<0x80:
            output[0] = UInt8(scalar)
            return 1
        case 0x80..<0x800:
            output[0] = UInt8(0xC0 | scalar >> 6)
            output[1] = UInt8(0x80 | scalar & 0x3F)
            return 2
        case 0x800..<0x10000:
            output[0] = UInt8(0xE0 | scalar >> 12)
            output[1] = UInt8(0x80 | scalar >> 6 & 0x3F)
            output[2] = UInt8(0x80 | scalar & 0x3F)
            return 3
        default:
            output[0] = UInt8(0xF0 | scalar >> 18)
            output[1] = UInt8(0x80 | scalar >> 12 & 0x3F)
            output[2] = UInt8(0x80 | scalar >> 6 & 0x3F)
            output[3] = UInt8(0x80 | scalar & 0x3F)
            return 4
        }
    }

    /// The `String` a validated token stands for. Without escapes it is built straight from the input
    /// bytes; strings of at most 15 UTF-8 bytes are stored inline by Swift and allocate nothing.
    @inline(__always)
    func makeString(_ token: StringToken) -> String {
        if token.isASCII && token.decodedCount <= SmallASCIIString.capacity && fastSmallStrings {
            if token.start &+ 16 <= end {
                return SmallASCIIString.make(readable16: base + token.start, count: token.decodedCount)
            }
            return SmallASCIIString.make(base + token.start, count: token.decodedCount)
        }
        if !token.hasEscapes {
            return String(
                decoding: UnsafeBufferPointer(start: base + token.start, count: token.end - token.start),
                as: UTF8.self
            )
        }
        return String(unsafeUninitializedCapacity: token.decodedCount) { buffer in
            guard let output = buffer.baseAddress else { return 0 }
            return unescape(token, into: output)
        }
    }

    /// Calls `body` with the decoded bytes of a short token (at most `limit` bytes), or with `nil` when longer.
    @inline(__always)
    func withDecodedBytes<Result>(
        _ token: StringToken,
        limit: Int,
        _ body: (UnsafePointer<UInt8>?, Int) -> Result
    ) -> Result {
        guard token.decodedCount <= limit else { return body(nil, token.decodedCount) }
        if !token.hasEscapes { return body(base + token.start, token.decodedCount) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: limit) { buffer in
            let count = unescape(token, into: buffer.baseAddress!)
            return body(UnsafePointer(buffer.baseAddress!), count)
        }
    }
}
