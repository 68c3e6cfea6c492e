/// What the last occurrence of a known key said about its field (duplicate keys: the last one wins).
enum FieldOutcome: UInt8 {
    /// A usable value (stored by the reader).
    case present
    /// The key was not there, or its value was `null`.
    case absent
    /// Wrong JSON type, or a value outside the field's bounds.
    case invalid
    /// A field-specific second failure: an unknown `type` name, or a `ts` out of range.
    case outOfRange
}

/// The fields of one record that failed, one bit per field in the record's precedence order (bit 0 first).
///
/// A field's value is non-nil exactly when its last occurrence was `present`; so "missing" needs no bit of its
/// own, and the lowest failing bit names the reason to report.
struct FieldFailures {
    var invalid: UInt16 = 0
    var outOfRange: UInt16 = 0

    /// Records `outcome` for field number `bit`, replacing what an earlier duplicate key said.
    @inline(__always)
    mutating func record(_ outcome: FieldOutcome, bit: Int) {
        let mask: UInt16 = 1 << bit
        invalid &= ~mask
        outOfRange &= ~mask
        switch outcome {
        case .present, .absent: break
        case .invalid: invalid |= mask
        case .outOfRange: outOfRange |= mask
        }
    }

    /// The first failing field in precedence order and how it failed, given which required fields are missing;
    /// nil when every field passed. Only the rejection path looks up names, so accepting touches no tables.
    @inline(__always)
    func firstFailure(missing: UInt16) -> (bit: Int, kind: FieldOutcome)? {
        let failing = invalid | outOfRange | missing
        guard failing != 0 else { return nil }
        let bit = failing.trailingZeroBitCount
        let mask: UInt16 = 1 << bit
        if outOfRange & mask != 0 { return (bit, .outOfRange) }
        if invalid & mask != 0 { return (bit, .invalid) }
        return (bit, .absent)
    }
}
