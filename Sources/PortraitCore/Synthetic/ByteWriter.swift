/// Writes bytes into a fixed scratch buffer with no capacity or uniqueness checks per write.
///
/// The generator writes an event (at most a few hundred bytes) here first and appends it to the caller's array
/// once: appending field by field to an `Array` costs more than everything else the generator does.
///
/// - Important: The caller sizes the buffer for the largest record it writes (`SyntheticTraffic.maxEventBytes`).
struct ByteWriter {
    let start: UnsafeMutablePointer<UInt8>
    var position: UnsafeMutablePointer<UInt8>

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        start = buffer.baseAddress!
        position = start
    }

    var count: Int { position - start }

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        position.pointee = value
        position += 1
    }

    @inline(__always)
    mutating func text(_ text: StaticString) {
        let count = text.utf8CodeUnitCount
        position.update(from: text.utf8Start, count: count)
        position += count
    }

    @inline(__always)
    mutating func bytes(_ source: UnsafePointer<UInt8>, count: Int) {
        position.update(from: source, count: count)
        position += count
    }

    /// Decimal digits of `number`, without building a `String`.
    @inline(__always)
    mutating func decimal(_ number: Int64) {
        if number < 0 { byte(UInt8(ascii: "-")) }
        var magnitude = number.magnitude
        var digits = 1
        var probe = magnitude
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        var cursor = position + digits - 1
        repeat {
            cursor.pointee = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
            magnitude /= 10
            cursor -= 1
        } while magnitude > 0
        position += digits
    }
}
