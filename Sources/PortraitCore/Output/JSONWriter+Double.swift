extension JSONWriter {
    /// Writes a finite double with 9 significant digits (relative error ≤ 5e-9, well inside the
    /// contract's 1e-6), integers below 1e15 exactly and without a fraction; non-finite values as 0.
    ///
    /// Shortest round-trip digits (`description`) cost more than the rest of a record's JSON; 9 digits
    /// come from one multiplication by an exact power of ten and integer arithmetic. Fixed notation
    /// for 1e-5 ≤ |value| < 1e15, scientific (`1.5e-7`) outside. Digits go out two at a time from a
    /// table, and the powers of ten a record's numbers need (10^±31) come from a literal table.
    mutating func double(_ value: Double) {
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
        if magnitude >= Self.powerOfTen(exponent + 1) {
            exponent += 1
        } else if magnitude < Self.powerOfTen(exponent) {
            exponent -= 1
        }
        let shift = 8 - exponent
        let scaled = shift >= 0 ? magnitude * Self.powerOfTen(shift) : magnitude / Self.powerOfTen(-shift)
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
                putDigits(digits, width: significant)
                for _ in 0..<(integerDigits - significant) { put(UInt8(ascii: "0")) }
            } else {
                let fractionDigits = significant - integerDigits
                let divisor = Self.integerPowerOfTen(fractionDigits)
                putDigits(digits / divisor, width: integerDigits)
                put(UInt8(ascii: "."))
                putDigits(digits % divisor, width: fractionDigits)
            }
        } else if exponent < 0 && exponent >= -5 {
            put(UInt8(ascii: "0"))
            put(UInt8(ascii: "."))
            for _ in 0..<(-exponent - 1) { put(UInt8(ascii: "0")) }
            putDigits(digits, width: significant)
        } else {
            let divisor = Self.integerPowerOfTen(significant - 1)
            putDigits(digits / divisor, width: 1)
            if significant > 1 {
                put(UInt8(ascii: "."))
                putDigits(digits % divisor, width: significant - 1)
            }
            put(UInt8(ascii: "e"))
            if exponent < 0 { put(UInt8(ascii: "-")) }
            putDigits(UInt64(exponent.magnitude), width: exponent.magnitude >= 100 ? 3 : exponent.magnitude >= 10 ? 2 : 1)
        }
    }

    /// 10^`exponent` as the nearest Double, for −308 ≤ exponent ≤ 308.
    @inline(__always)
    static func powerOfTen(_ exponent: Int) -> Double {
        if exponent >= -31 && exponent <= 31 { return nearPowerOfTen(exponent) }
        return decimalPowers[exponent + 308]
    }

    /// 10^`exponent` for −31 ≤ exponent ≤ 31: compiler-converted literals (correctly rounded, as
    /// `Double("1e…")` is), in a switch so no lazily initialised global is touched.
    @inline(__always)
    private static func nearPowerOfTen(_ exponent: Int) -> Double {
        if exponent >= 0 {
            switch exponent {
            case 0: return 1e0
            case 1: return 1e1
            case 2: return 1e2
            case 3: return 1e3
            case 4: return 1e4
            case 5: return 1e5
            case 6: return 1e6
            case 7: return 1e7
            case 8: return 1e8
            case 9: return 1e9
            case 10: return 1e10
            case 11: return 1e11
            case 12: return 1e12
            case 13: return 1e13
            case 14: return 1e14
            case 15: return 1e15
            case 16: return 1e16
            case 17: return 1e17
            case 18: return 1e18
            case 19: return 1e19
            case 20: return 1e20
            case 21: return 1e21
            case 22: return 1e22
            case 23: return 1e23
            case 24: return 1e24
            case 25: return 1e25
            case 26: return 1e26
            case 27: return 1e27
            case 28: return 1e28
            case 29: return 1e29
            case 30: return 1e30
            default: return 1e31
            }
        }
        switch exponent {
        case -1: return 1e-1
        case -2: return 1e-2
        case -3: return 1e-3
        case -4: return 1e-4
        case -5: return 1e-5
        case -6: return 1e-6
        case -7: return 1e-7
        case -8: return 1e-8
        case -9: return 1e-9
        case -10: return 1e-10
        case -11: return 1e-11
        case -12: return 1e-12
        case -13: return 1e-13
        case -14: return 1e-14
        case -15: return 1e-15
        case -16: return 1e-16
        case -17: return 1e-17
        case -18: return 1e-18
        case -19: return 1e-19
        case -20: return 1e-20
        case -21: return 1e-21
        case -22: return 1e-22
        case -23: return 1e-23
        case -24: return 1e-24
        case -25: return 1e-25
        case -26: return 1e-26
        case -27: return 1e-27
        case -28: return 1e-28
        case -29: return 1e-29
        case -30: return 1e-30
        default: return 1e-31
        }
    }

    @inline(__always)
    static func integerPowerOfTen(_ exponent: Int) -> UInt64 {
        var result: UInt64 = 1
        for _ in 0..<exponent { result &*= 10 }
        return result
    }
}

/// 10^k for k in −308...308, each parsed from its decimal literal, so each is the correctly rounded Double.
private let decimalPowers: [Double] = (-308...308).map { Double("1e\($0)")! }
