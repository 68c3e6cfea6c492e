/// Builds short ASCII `String`s straight from their bytes, skipping the standard library's re-validation.
///
/// Why: a catalog record's strings are mostly short ids and tags, and `String(decoding:as:)` spends ~40 ns on
/// each re-checking bytes the scanner has already validated (it was a third of the interaction decoder's budget
/// before interactions were decoded into `InteractionBatch`'s arena). `words(of:)` lets an arena string be
/// compared with an inline `String` as two integers. Swift stores strings of at most 15 UTF-8 bytes inline in the two words of the `String`
/// itself: bytes 0–7 in the first word, bytes 8–14 in the second, and in the second word's top byte the
/// discriminator (immortal, ASCII, small: `0xE`) and the count. We write that representation directly.
///
/// - Important: This relies on the standard library's 64-bit small-string layout (ABI-stable on Apple
///   platforms and shared by the Linux build). `isAvailable` checks it once at start-up against the
///   standard initializer, and callers fall back to `String(decoding:as:)` when it does not hold.
enum SmallASCIIString {
    /// The longest string stored inline.
    static let capacity = 15

    /// Whether the layout matches on this platform and standard library (verified once).
    static let isAvailable: Bool = {
        #if (arch(x86_64) || arch(arm64)) && _endian(little)
        let samples = ["", "a", "u12345", "abcdefgh", "abcdefghi", "not_interested", "0123456789abcde", "\u{7F}\u{0}x"]
        for sample in samples {
            let bytes = Array(sample.utf8)
            let built = bytes.withUnsafeBufferPointer { make($0.baseAddress!, count: $0.count) }
            let padded = bytes + [UInt8](repeating: 0xFF, count: 16)
            let loaded = padded.withUnsafeBufferPointer { make(readable16: $0.baseAddress!, count: bytes.count) }
            guard built == sample, loaded == sample, Array(loaded.utf8) == bytes, Array(built.utf8) == bytes,
                built.utf8.count == bytes.count,
                built.hashValue == sample.hashValue, built.count == sample.count
            else { return false }
        }
        return true
        #else
        return false
        #endif
    }()

    /// The two words an inline ASCII `string` is stored in (its representation, as `make` writes it), or `nil`
    /// for a heap or non-ASCII string or when the layout did not verify. Equal words mean equal strings; an
    /// inline string's words are a complete, canonical description of it (zero past the count).
    @inline(__always)
    static func words(of string: String) -> (low: UInt64, high: UInt64)? {
        guard isAvailable else { return nil }
        let (low, high) = unsafeBitCast(string, to: (UInt64, UInt64).self)
        return high >> 60 == 0xE ? (low, high) : nil
    }

    /// Like `make(_:count:)`, for callers that know 16 bytes at `bytes` are readable: two loads and masks.
    @inline(__always)
    static func make(readable16 bytes: UnsafePointer<UInt8>, count: Int) -> String {
        let raw = UnsafeRawPointer(bytes)
        var low = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
        var high = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        if count < 8 {
            low &= (1 &<< (UInt64(count) &* 8)) &- 1
            high = 0
        } else {
            high &= (1 &<< (UInt64(count &- 8) &* 8)) &- 1
        }
        high |= (0xE0 | UInt64(count)) &<< 56
        return unsafeBitCast((low, high), to: String.self)
    }

    /// The inline string of `count` (≤ 15) ASCII bytes at `bytes`. Only valid when `isAvailable`.
    @inline(__always)
    static func make(_ bytes: UnsafePointer<UInt8>, count: Int) -> String {
        var low: UInt64 = 0
        var high: UInt64 = 0
        let lowCount = min(count, 8)
        for offset in 0..<lowCount { low |= UInt64(bytes[offset]) &<< (UInt64(offset) &* 8) }
        if count > 8 {
            for offset in 8..<count { high |= UInt64(bytes[offset]) &<< (UInt64(offset &- 8) &* 8) }
        }
        high |= (0xE0 | UInt64(count)) &<< 56
        return unsafeBitCast((low, high), to: String.self)
    }
}
