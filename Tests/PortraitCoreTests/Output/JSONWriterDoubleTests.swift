import Testing

@testable import PortraitCore

/// `JSONWriter.double` against the straightforward formatter it replaced (byte for byte): the
/// output format is part of every record, so a faster formatter must print the same digits.
@Suite struct JSONWriterDoubleTests {
    @Test func fastFormatterPrintsWhatTheReferencePrints() {
        var random = SplitMix64(seed: 11)
        var values: [Double] = [0.5, 1e-5, 9.999_999_995e-6, 1e15, 999_999_999_999_999.9, 123.456_789_05, 1e-31, 1e31]
        for _ in 0..<200_000 {
            let exponent = Double(random.nextInt(below: 140)) - 70
            let mantissa = 1 + Double(random.nextInt(below: 1 << 30)) / Double(1 << 30)
            values.append((random.nextInt(below: 2) == 0 ? 1 : -1) * mantissa * Decay.exp2(exponent * 3.3))
        }
        for power in -40...40 { values.append(Decay.exp2(Double(power) * 3.321_928_094_887_362)) }
        for value in values {
            var fast = JSONWriter(capacity: 64)
            fast.double(value)
            var reference = JSONWriter(capacity: 64)
            reference.referenceDouble(value)
            let (printed, expected) = (fast.take(), reference.take())
            #expect(printed == expected, "\(value): \(String(decoding: printed, as: UTF8.self)) vs \(String(decoding: expected, as: UTF8.self))")
            if printed != expected { return }
        }
    }
}

extension JSONWriter {
    /// The formatter as it was before digit pairs and the literal power table.
    mutating func referenceDouble(_ value: Double) {
        guard value.isFinite else {
            byte(UInt8(ascii: "0"))
            return
        }
        if abs(value) < 1e15 {
            let integral = Int64(value)
            if Double(integral) == value {
                int(integral)
                return
            }
        }
        reserve(32)
        var magnitude = value
        if magnitude < 0 {
            put(UInt8(ascii: "-"))
            magnitude = -magnitude
        }
        guard magnitude >= 1e-290, magnitude < 1e290 else {
            var text = magnitude.description
            text.withUTF8 { raw($0) }
            return
        }
        // Decimal exponent: floor(log10(magnitude)) from the binary exponent (floor(e2 · log10 2) as
        // (e2 · 78913) >> 18), then corrected against the exact powers.
        let binaryExponent = Int((magnitude.bitPattern >> 52) & 0x7FF) - 1023
        var exponent = (binaryExponent * 78_913) >> 18
        if magnitude >= referencePowerOfTen(exponent + 1) {
            exponent += 1
        } else if magnitude < referencePowerOfTen(exponent) {
            exponent -= 1
        }
        let shift = 8 - exponent
        let scaled = shift >= 0 ? magnitude * referencePowerOfTen(shift) : magnitude / referencePowerOfTen(-shift)
        var digits = UInt64(scaled + 0.5)
        if digits >= 1_000_000_000 {
            digits /= 10
            exponent += 1
        }
        while digits < 100_000_000 {
            digits *= 10
            exponent -= 1
        }
        var significant = 9
        while digits % 10 == 0 {
            digits /= 10
            significant -= 1
        }
        if exponent >= 0 && exponent < 15 {
            let integerDigits = exponent + 1
            if significant <= integerDigits {
                referencePutDigits(digits, width: significant)
                for _ in 0..<(integerDigits - significant) { put(UInt8(ascii: "0")) }
            } else {
                let fractionDigits = significant - integerDigits
                let divisor = Self.integerPowerOfTen(fractionDigits)
                referencePutDigits(digits / divisor, width: integerDigits)
                put(UInt8(ascii: "."))
                referencePutDigits(digits % divisor, width: fractionDigits)
            }
        } else if exponent < 0 && exponent >= -5 {
            put(UInt8(ascii: "0"))
            put(UInt8(ascii: "."))
            for _ in 0..<(-exponent - 1) { put(UInt8(ascii: "0")) }
            referencePutDigits(digits, width: significant)
        } else {
            let divisor = Self.integerPowerOfTen(significant - 1)
            referencePutDigits(digits / divisor, width: 1)
            if significant > 1 {
                put(UInt8(ascii: "."))
                referencePutDigits(digits % divisor, width: significant - 1)
            }
            put(UInt8(ascii: "e"))
            if exponent < 0 { put(UInt8(ascii: "-")) }
            referencePutDigits(UInt64(exponent.magnitude), width: exponent.magnitude >= 100 ? 3 : exponent.magnitude >= 10 ? 2 : 1)
        }
    }

    fileprivate mutating func referencePutDigits(_ digits: UInt64, width: Int) {
        var bytes = [UInt8](repeating: 0, count: width)
        var rest = digits
        for index in stride(from: width - 1, through: 0, by: -1) {
            bytes[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
        }
        for byte in bytes { put(byte) }
    }
}

private let referencePowers: [Double] = (-308...308).map { Double("1e\($0)")! }

private func referencePowerOfTen(_ exponent: Int) -> Double { referencePowers[exponent + 308] }
