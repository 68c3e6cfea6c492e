import Testing

@testable import PortraitCore

/// The output writer: number formatting (9 significant digits) and string escaping.
@Suite struct JSONWriterTests {
    static func text(_ write: (inout JSONWriter) -> Void) -> String {
        var json = JSONWriter(capacity: 16)
        write(&json)
        return String(decoding: json.take(), as: UTF8.self)
    }

    @Test func doublesPrintShortAndExactWhereTheyCan() {
        let cases: [(Double, String)] = [
            (12.5, "12.5"), (0.1, "0.1"), (3, "3"), (-2.25, "-2.25"), (0, "0"), (86_400, "86400"),
            (1.5e-7, "1.5e-7"), (0.000123, "0.000123"), (1e20, "1e20"), (2.5e-300, "2.5e-300"),
            (123_456_789_012.5, "123456789000"), (0.333_333_333_333, "0.333333333"), (2.0 / 3.0, "0.666666667"),
            (.infinity, "0"), (.nan, "0"), (999_999_999.6, "1000000000"), (9.999_999_999_7e-7, "1e-6"),
        ]
        for (value, expected) in cases {
            #expect(Self.text { $0.double(value) } == expected, "\(value)")
        }
    }

    @Test func doublesRoundTripWithinFiveBillionths() {
        var random = SplitMix64(seed: 7)
        for _ in 0..<20_000 {
            let exponent = Double(random.nextInt(below: 80)) - 40
            let mantissa = 1 + Double(random.nextInt(below: 1 << 30)) / Double(1 << 30)
            let value = (random.nextInt(below: 2) == 0 ? 1 : -1) * mantissa * Decay.exp2(exponent * 3.3)
            let printed = Self.text { $0.double(value) }
            let parsed = Double(printed)
            #expect(parsed != nil, "\(printed)")
            #expect(abs((parsed ?? .nan) - value) <= 5e-9 * abs(value), "\(value) printed \(printed)")
        }
    }

    @Test func stringsAreEscaped() {
        #expect(Self.text { $0.string("a\"b\\c\n\u{1}é") } == "\"a\\\"b\\\\c\\n\\u0001é\"")
        #expect(Self.text { $0.int(-42); $0.uint(0); $0.int(.min) } == "-420-9223372036854775808")
    }

    @Test func growsPastItsInitialCapacity() {
        let long = String(repeating: "x", count: 10_000)
        #expect(Self.text { $0.string(long); $0.raw("!") } == "\"" + long + "\"!")
    }
}
