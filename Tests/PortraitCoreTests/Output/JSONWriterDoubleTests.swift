import Testing

@testable import PortraitCore

/// The primitives the fast `JSONWriter.double` is built on, against their definitions: the output format is
/// part of every record, so the literal power table and the two-digits-at-a-time writer must give exactly
/// what the correctly rounded powers and plain decimal digits give.
@Suite struct JSONWriterDoubleTests {
    @Test func powersOfTenAreTheCorrectlyRoundedOnes() {
        for exponent in -308...308 {
            #expect(JSONWriter.powerOfTen(exponent) == Double("1e\(exponent)")!, "10^\(exponent)")
        }
    }

    @Test func digitsArePaddedDecimals() {
        var random = SplitMix64(seed: 11)
        for _ in 0..<50_000 {
            let width = 1 + random.nextInt(below: 19)
            let digits = UInt64(random.nextInt(below: Int.max)) % JSONWriter.integerPowerOfTen(width)
            var writer = JSONWriter(capacity: 32)
            writer.reserve(32)
            writer.putDigits(digits, width: width)
            let expected = String(repeating: "0", count: width - String(digits).count) + String(digits)
            #expect(String(decoding: writer.take(), as: UTF8.self) == expected, "\(digits) width \(width)")
        }
    }

    @Test func knownValuesPrintAsBefore() {
        let cases: [(Double, String)] = [
            (0.5, "0.5"), (1e-5, "0.00001"), (123.456_789_05, "123.456789"), (-2.25, "-2.25"),
            (1e15, "1e15"), (3, "3"), (1.5e-7, "1.5e-7"),
        ]
        for (value, text) in cases {
            var writer = JSONWriter(capacity: 32)
            writer.double(value)
            #expect(String(decoding: writer.take(), as: UTF8.self) == text, "\(value)")
        }
    }
}
