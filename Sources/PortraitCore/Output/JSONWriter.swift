/// A byte JSON writer for our output records: one growable raw buffer, reused across records.
///
/// No Foundation and no `Array` append per byte on the emission path: each write reserves its worst
/// case once and then stores through the pointer. `take()` copies the record out and resets the
/// writer, keeping its capacity for the next record. Strings are escaped per RFC 8259; doubles print
/// with 9 significant digits (`double(_:)`), and non-finite values print as 0 (JSON has neither).
struct JSONWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 4_096) {
        self.capacity = max(64, capacity)
        self.base = .allocate(capacity: self.capacity)
    }

    deinit {
        base.deallocate()
    }

    /// The bytes written so far, as a new array; the writer is emptied (its capacity kept).
    mutating func take() -> [UInt8] {
        let result = [UInt8](UnsafeBufferPointer(start: base, count: count))
        count = 0
        return result
    }

    /// The bytes written so far (valid until the next mutation).
    func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try body(UnsafeBufferPointer(start: base, count: count))
    }

    /// Makes room for `extra` more bytes.
    @inline(__always)
    mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    private mutating func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Stores one byte; the caller has reserved room for it.
    @inline(__always)
    mutating func put(_ value: UInt8) {
        base[count] = value
        count += 1
    }

    /// Stores `value` little-endian; the caller has reserved room for it.
    @inline(__always)
    mutating func putLittleEndian<Value: FixedWidthInteger>(_ value: Value) {
        UnsafeMutableRawPointer(base + count).storeBytes(of: value.littleEndian, as: Value.self)
        count += MemoryLayout<Value>.size
    }

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        reserve(1)
        put(value)
    }

    @inline(__always)
    mutating func raw(_ text: StaticString) {
        let length = text.utf8CodeUnitCount
        reserve(length)
        copy(text.utf8Start, length)
    }

    @inline(__always)
    mutating func raw(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let start = bytes.baseAddress else { return }
        reserve(bytes.count)
        copy(start, bytes.count)
    }

    /// Copies `length` reserved bytes; short ones byte by byte (a `memmove` call costs more than the copy).
    @inline(__always)
    private mutating func copy(_ source: UnsafePointer<UInt8>, _ length: Int) {
        if length <= 16 {
            for index in 0..<length { base[count + index] = source[index] }
        } else {
            (base + count).update(from: source, count: length)
        }
        count += length
    }

    /// Copies `length` bytes reserved with 16 to spare, reading (and writing) up to 16 bytes whatever
    /// `length` is: `source` must have 16 readable bytes (`SymbolNames` pads its storage for this).
    @inline(__always)
    mutating func copyPadded(_ source: UnsafePointer<UInt8>, _ length: Int) {
        if length <= 16 {
            let from = UnsafeRawPointer(source)
            let to = UnsafeMutableRawPointer(base + count)
            to.storeBytes(of: from.loadUnaligned(as: UInt64.self), as: UInt64.self)
            to.storeBytes(of: from.loadUnaligned(fromByteOffset: 8, as: UInt64.self), toByteOffset: 8, as: UInt64.self)
        } else {
            (base + count).update(from: source, count: length)
        }
        count += length
    }

    /// `"key":`
    mutating func key(_ text: StaticString) {
        let length = text.utf8CodeUnitCount
        reserve(length + 3)
        put(UInt8(ascii: "\""))
        (base + count).update(from: text.utf8Start, count: length)
        count += length
        put(UInt8(ascii: "\""))
        put(UInt8(ascii: ":"))
    }

    mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { string($0) }
    }

    /// A quoted JSON string of the UTF-8 `bytes` (escaped where needed).
    mutating func string(_ bytes: UnsafeBufferPointer<UInt8>) {
        byte(UInt8(ascii: "\""))
        stringBody(bytes)
        byte(UInt8(ascii: "\""))
    }

    /// The escaped contents of a JSON string, without quotes.
    mutating func stringBody(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count * 6)
        for unit in bytes {
            switch unit {
            case UInt8(ascii: "\""):
                put(UInt8(ascii: "\\"))
                put(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"):
                put(UInt8(ascii: "\\"))
                put(UInt8(ascii: "\\"))
            case 0x0A:
                put(UInt8(ascii: "\\"))
                put(UInt8(ascii: "n"))
            case 0x0D:
                put(UInt8(ascii: "\\"))
                put(UInt8(ascii: "r"))
            case 0x09:
                put(UInt8(ascii: "\\"))
                put(UInt8(ascii: "t"))
            case 0x08:
                put(UInt8(ascii: "\\"))
                put(UInt8(ascii: "b"))
            case 0x0C:
                put(UInt8(ascii: "\\"))
                put(UInt8(ascii: "f"))
            case 0..<0x20:
                put(UInt8(ascii: "\\"))
                put(UInt8(ascii: "u"))
                put(UInt8(ascii: "0"))
                put(UInt8(ascii: "0"))
                put(Self.hexDigit(unit >> 4))
                put(Self.hexDigit(unit & 0xF))
            default:
                put(unit)
            }
        }
    }

    mutating func int(_ value: Int64) {
        if value < 0 {
            byte(UInt8(ascii: "-"))
            uint(value.magnitude)
        } else {
            uint(UInt64(value))
        }
    }

    mutating func uint(_ value: UInt64) {
        reserve(20)
        if value < 10 {
            put(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value))
            return
        }
        var digits = 1
        var probe = value
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        putDigits(value, width: digits)
    }

    /// Writes `digits` (exactly `width` of them, leading zeros included), two at a time.
    @inline(__always)
    mutating func putDigits(_ digits: UInt64, width: Int) {
        var rest = digits
        var index = count + width - 1
        while index > count {
            let pair = rest % 100
            rest /= 100
            let tens = (pair &* 205) >> 11  // pair / 10 for pair < 1,029
            base[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: pair &- tens &* 10)
            base[index - 1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: tens)
            index -= 2
        }
        if index == count { base[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10) }
        count += width
    }

    @inline(__always)
    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") &+ value : UInt8(ascii: "a") &+ (value &- 10)
    }
}
