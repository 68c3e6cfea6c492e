/// A shard's own flat copy of the symbol names it renders: id → UTF-8 bytes, no lock, no `String`.
///
/// The process-wide `SymbolTable` sits behind the catalog lock and hands out `String`s; rendering
/// thousands of names per round from it would mean holding the lock or copying the table. Names never
/// change once interned, so each shard copies a name once, the first time it needs it (while it holds
/// the lock for its round anyway), and afterwards reads it from one byte array.
///
/// Each name is stored after its length as a little-endian `UInt32`, so the state codec's
/// length-prefixed form is one copy; the array always ends in `padding` spare bytes, so a short name
/// is copied as two 8-byte words whatever its length (`JSONWriter.copyPadded`).
struct SymbolNames {
    /// Per id: `known` bit, `plain` bit (ASCII that needs no JSON escaping), length (30 bits), start.
    private var spans: [UInt64] = []
    /// Empty (no allocation) until the first name; from then on it ends in `padding` zero bytes.
    private var bytes: [UInt8] = []

    static let padding = 16

    private static let knownBit: UInt64 = 1 << 63
    private static let plainBit: UInt64 = 1 << 62

    /// Bytes held (for memory accounting).
    var heapBytes: Int { spans.capacity * 8 + bytes.capacity }

    @inline(__always)
    func contains(_ id: UInt32) -> Bool {
        Int(id) < spans.count && spans[Int(id)] & Self.knownBit != 0
    }

    /// Appends to `missing` each of `ids` whose name is not known yet.
    @inline(__always)
    func appendMissing(_ ids: UnsafeBufferPointer<UInt32>, to missing: inout [UInt32]) {
        spans.withUnsafeBufferPointer { spans in
            for id in ids where Int(id) >= spans.count || spans[Int(id)] & Self.knownBit == 0 {
                missing.append(id)
            }
        }
    }

    /// Copies the name of `id` from `symbols` unless already known.
    @inline(__always)
    mutating func learn(_ id: UInt32, from symbols: SymbolTable) {
        if !contains(id) { add(id, name: symbols.name(id)) }
    }

    mutating func add(_ id: UInt32, name: String) {
        if Int(id) >= spans.count {
            spans.append(contentsOf: repeatElement(0, count: max(Int(id) + 1 - spans.count, spans.count / 2)))
        }
        var name = name
        name.withUTF8 { utf8 in
            var plain = true
            for unit in utf8 where unit < 0x20 || unit >= 0x7F || unit == UInt8(ascii: "\"") || unit == UInt8(ascii: "\\") {
                plain = false
                break
            }
            if !bytes.isEmpty { bytes.removeLast(Self.padding) }
            withUnsafeBytes(of: UInt32(utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
            let start = UInt64(bytes.count)
            bytes.append(contentsOf: utf8)
            bytes.append(contentsOf: repeatElement(0, count: Self.padding))
            spans[Int(id)] = Self.knownBit | (plain ? Self.plainBit : 0) | UInt64(utf8.count) << 32 | start
        }
    }

    /// Calls `body` with the UTF-8 bytes of a known `id` and whether they are plain ASCII needing no escapes.
    @inline(__always)
    func withName<Result>(_ id: UInt32, _ body: (UnsafeBufferPointer<UInt8>, Bool) -> Result) -> Result {
        let span = spans[Int(id)]
        precondition(span & Self.knownBit != 0, "symbol \(id) was not learned before rendering")
        let start = Int(truncatingIfNeeded: span & 0xFFFF_FFFF)
        let length = Int(truncatingIfNeeded: (span >> 32) & 0x3FFF_FFFF)
        return bytes.withUnsafeBufferPointer { all in
            body(UnsafeBufferPointer(rebasing: all[start..<(start + length)]), span & Self.plainBit != 0)
        }
    }

    /// Writes the name of `id` as a quoted JSON string.
    @inline(__always)
    func write(_ id: UInt32, into json: inout JSONWriter) {
        withName(id) { name, plain in
            if plain {
                json.reserve(name.count + 2 + Self.padding)
                json.put(UInt8(ascii: "\""))
                json.copyPadded(name.baseAddress!, name.count)
                json.put(UInt8(ascii: "\""))
            } else {
                json.string(name)
            }
        }
    }

    /// Writes the name of `id` the state codec's way: its length as a little-endian `UInt32`, then its bytes.
    @inline(__always)
    func writePrefixed(_ id: UInt32, into out: inout JSONWriter) {
        withName(id) { name, _ in
            out.reserve(name.count + 4 + Self.padding)
            out.copyPadded(name.baseAddress! - 4, name.count + 4)
        }
    }

    /// Writes the escaped name of `id` without quotes.
    func writeBody(_ id: UInt32, into json: inout JSONWriter) {
        withName(id) { name, plain in
            if plain {
                json.reserve(name.count + Self.padding)
                json.copyPadded(name.baseAddress!, name.count)
            } else {
                json.stringBody(name)
            }
        }
    }

    /// `String`'s `<` on the two names: bytewise when both are plain ASCII (the same order), else as `String`s.
    func precedes(_ lhs: UInt32, _ rhs: UInt32) -> Bool {
        withName(lhs) { left, leftPlain in
            withName(rhs) { right, rightPlain in
                if leftPlain && rightPlain {
                    let common = min(left.count, right.count)
                    for index in 0..<common where left[index] != right[index] {
                        return left[index] < right[index]
                    }
                    return left.count < right.count
                }
                return String(decoding: left, as: UTF8.self) < String(decoding: right, as: UTF8.self)
            }
        }
    }
}
