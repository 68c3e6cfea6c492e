/// A single-pass, validating JSON scanner over borrowed bytes, built for the flat records of CONTRACT §2/§3.
///
/// It checks the whole document against RFC 8259 (structure, numbers, escapes, surrogate pairs, UTF-8,
/// control characters) but materialises nothing on its own: callers ask for the few values they keep. Every
/// loop advances `index`, and nesting is capped at `maxDepth`, so time is linear in the input and the stack
/// is bounded whatever the bytes are.
///
/// - Important: `base` must stay valid for the scanner's lifetime; the scanner never copies the input.
struct JSONScanner {
    /// The deepest nesting of arrays and objects accepted; the top-level value is at depth 1.
    static let maxDepth = 64

    let base: UnsafePointer<UInt8>
    let end: Int
    var index: Int = 0
    /// Build short ASCII strings inline (`SmallASCIIString`); decided once by the decoder.
    let fastSmallStrings: Bool

    init(base: UnsafePointer<UInt8>, count: Int, fastSmallStrings: Bool) {
        self.base = base
        self.end = count
        self.fastSmallStrings = fastSmallStrings
    }

    /// The byte at `index`, or 0 at the end (0 is never valid where the scanner peeks, so it reads as an error).
    @inline(__always)
    var current: UInt8 { index < end ? base[index] : 0 }

    @inline(__always)
    mutating func skipWhitespace() {
        var position = index
        while position < end {
            switch base[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position &+= 1
            default:
                index = position
                return
            }
        }
        index = position
    }

    /// Consumes `byte` or fails.
    @inline(__always)
    mutating func expect(_ byte: UInt8) throws(JSONSyntaxError) {
        guard current == byte else { throw JSONSyntaxError() }
        index += 1
    }

    /// Validates and skips one value of any kind; `depth` is the nesting level the value sits at.
    mutating func skipValue(depth: Int) throws(JSONSyntaxError) {
        switch current {
        case UInt8(ascii: "\""): _ = try scanString()
        case UInt8(ascii: "{"): try skipObject(depth: depth)
        case UInt8(ascii: "["): try skipArray(depth: depth)
        case UInt8(ascii: "t"): try scanLiteral("true")
        case UInt8(ascii: "f"): try scanLiteral("false")
        case UInt8(ascii: "n"): try scanLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try scanNumber()
        default: throw JSONSyntaxError()
        }
    }

    private mutating func skipObject(depth: Int) throws(JSONSyntaxError) {
        guard depth <= Self.maxDepth else { throw JSONSyntaxError() }
        index += 1
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            guard current == UInt8(ascii: "\"") else { throw JSONSyntaxError() }
            _ = try scanString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            try skipValue(depth: depth + 1)
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

    private mutating func skipArray(depth: Int) throws(JSONSyntaxError) {
        guard depth <= Self.maxDepth else { throw JSONSyntaxError() }
        index += 1
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            try skipValue(depth: depth + 1)
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                index += 1
                return
            default: throw JSONSyntaxError()
            }
        }
    }

    /// Consumes exactly `literal` (`true`, `false`, `null`).
    @inline(__always)
    mutating func scanLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let count = literal.utf8CodeUnitCount
        guard end - index >= count else { throw JSONSyntaxError() }
        let expected = literal.utf8Start
        for offset in 0..<count where base[index + offset] != expected[offset] { throw JSONSyntaxError() }
        index += count
    }

    /// A scanned number: whether its lexeme is a plain integer, and its value when that fits `Int64`.
    struct NumberToken {
        /// No fraction and no exponent (`12`, `-0`; not `1.0`, `1e3`).
        var isInteger: Bool
        /// The integer does not fit `Int64`.
        var overflow: Bool
        var value: Int64
    }

    /// Validates and consumes one number per the JSON grammar `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    mutating func scanNumber() throws(JSONSyntaxError) -> NumberToken {
        var position = index
        var negative = false
        if position < end && base[position] == UInt8(ascii: "-") {
            negative = true
            position &+= 1
        }
        guard position < end, base[position] &- UInt8(ascii: "0") < 10 else { throw JSONSyntaxError() }
        var magnitude: UInt64 = 0
        var overflow = false
        if base[position] == UInt8(ascii: "0") {
            position &+= 1
        } else {
            // Up to 18 digits cannot overflow; beyond that, check every step.
            let fastEnd = min(end, position &+ 18)
            while position < fastEnd {
                let digit = base[position] &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                magnitude = magnitude &* 10 &+ UInt64(digit)
                position &+= 1
            }
            while position < end {
                let digit = base[position] &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                let (times10, overflowA) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, overflowB) = times10.addingReportingOverflow(UInt64(digit))
                overflow = overflow || overflowA || overflowB
                magnitude = sum
                position &+= 1
            }
        }
        index = position
        var isInteger = true
        if current == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            try skipDigits()
        }
        if current | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            try skipDigits()
        }
        var value: Int64 = 0
        if !overflow {
            if negative {
                if magnitude <= UInt64(Int64.max) {
                    value = -Int64(magnitude)
                } else if magnitude == UInt64(Int64.max) + 1 {
                    value = .min
                } else {
                    overflow = true
                }
            } else if magnitude <= UInt64(Int64.max) {
                value = Int64(magnitude)
            } else {
                overflow = true
            }
        }
        return NumberToken(isInteger: isInteger, overflow: overflow, value: value)
    }

    /// Consumes one or more decimal digits.
    @inline(__always)
    private mutating func skipDigits() throws(JSONSyntaxError) {
        guard current &- UInt8(ascii: "0") < 10 else { throw JSONSyntaxError() }
        index += 1
        while index < end, base[index] &- UInt8(ascii: "0") < 10 { index += 1 }
    }
}
