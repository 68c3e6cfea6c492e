/// Versioned binary encoding of one user's full state (`ProfileSnapshot`), with a checksum.
///
/// Layout (little-endian): magic `PRTS`, format version (1 byte), the snapshot's fields in
/// declaration order (strings as u32 length + UTF-8, lists as u32 count + items), then a checksum of
/// everything before it: `StableHash.words` in format 2 (written now), FNV-1a 64 in format 1 (still
/// read: the layout is otherwise identical, so states written by older builds restore). Decoding checks
/// length, magic, version and checksum first and bounds-checks every read, so garbage gives a
/// `ProfileStateCodecError`, never a trap.
public struct ProfileStateCodec: Sendable {
    public static let formatVersion: UInt8 = 2
    /// The oldest format `decode` accepts (format 1: FNV-1a checksum, byte at a time).
    public static let oldestReadableVersion: UInt8 = 1
    private static let magic: [UInt8] = Array("PRTS".utf8)

    public init() {}

    public func encode(_ snapshot: ProfileSnapshot) -> [UInt8] {
        var out = Writer()
        out.bytes.append(contentsOf: Self.magic)
        out.bytes.append(Self.formatVersion)
        out.string(snapshot.userId)
        out.u32(UInt32(bitPattern: snapshot.partition))
        out.u64(snapshot.version)
        out.u32(snapshot.events)
        out.u64(UInt64(bitPattern: snapshot.asOf))
        out.u64(UInt64(bitPattern: snapshot.reference))
        for scores in [snapshot.tags, snapshot.authors] {
            out.u32(UInt32(scores.count))
            for score in scores {
                out.string(score.name)
                out.u64(score.value.bitPattern)
            }
        }
        out.u32(UInt32(snapshot.windowBuckets.count))
        for bucket in snapshot.windowBuckets { out.u64(bucket) }
        for context in [snapshot.country, snapshot.device, snapshot.lang] {
            if let context {
                out.bytes.append(1)
                out.string(context.value)
                out.u64(UInt64(bitPattern: context.timestamp))
            } else {
                out.bytes.append(0)
            }
        }
        for list in [snapshot.seenItems, snapshot.notInterestedItems, snapshot.notInterestedAuthors] {
            out.u32(UInt32(list.count))
            for name in list { out.string(name) }
        }
        out.u32(UInt32(snapshot.offsets.count))
        for position in snapshot.offsets {
            out.u32(UInt32(bitPattern: position.partition))
            out.u64(UInt64(bitPattern: position.offset))
        }
        out.u64(StableHash.words(out.bytes[...]))
        return out.bytes
    }

    public func decode(_ bytes: [UInt8]) throws(ProfileStateCodecError) -> ProfileSnapshot {
        try Self.validateFrame(bytes)
        var input = Reader(bytes: bytes, offset: 5, end: bytes.count - 8)
        let userId = try input.string()
        let partition = Int32(bitPattern: try input.u32())
        let version = try input.u64()
        let events = try input.u32()
        let asOf = Int64(bitPattern: try input.u64())
        let reference = Int64(bitPattern: try input.u64())
        var scoreLists: [[ProfileSnapshot.Score]] = []
        for _ in 0..<2 {
            let count = try input.count(minimumItemBytes: 12)
            var scores: [ProfileSnapshot.Score] = []
            scores.reserveCapacity(count)
            for _ in 0..<count {
                let name = try input.string()
                let value = Double(bitPattern: try input.u64())
                guard value.isFinite else { throw .invalidValue("score") }
                scores.append(.init(name: name, value: value))
            }
            scoreLists.append(scores)
        }
        let bucketCount = try input.count(minimumItemBytes: 8)
        var buckets: [UInt64] = []
        buckets.reserveCapacity(bucketCount)
        for _ in 0..<bucketCount { buckets.append(try input.u64()) }
        var contexts: [ProfileSnapshot.ContextValue?] = []
        for _ in 0..<3 {
            switch try input.u8() {
            case 0: contexts.append(nil)
            case 1:
                let value = try input.string()
                contexts.append(.init(value: value, timestamp: Int64(bitPattern: try input.u64())))
            default: throw .invalidValue("context")
            }
        }
        var lists: [[String]] = []
        for _ in 0..<3 {
            let count = try input.count(minimumItemBytes: 4)
            var list: [String] = []
            list.reserveCapacity(count)
            for _ in 0..<count { list.append(try input.string()) }
            lists.append(list)
        }
        let offsetCount = try input.count(minimumItemBytes: 12)
        var offsets: [InputPosition] = []
        for _ in 0..<offsetCount {
            let partition = Int32(bitPattern: try input.u32())
            offsets.append(InputPosition(partition: partition, offset: Int64(bitPattern: try input.u64())))
        }
        guard input.offset == input.end else { throw .trailingBytes }
        return ProfileSnapshot(
            userId: userId, partition: partition, version: version, events: events, asOf: asOf,
            reference: reference, tags: scoreLists[0], authors: scoreLists[1], windowBuckets: buckets,
            country: contexts[0], device: contexts[1], lang: contexts[2], seenItems: lists[0],
            notInterestedItems: lists[1], notInterestedAuthors: lists[2], offsets: offsets)
    }

    /// Checks length, magic, version and (with `checksum`) the checksum of an encoded state.
    static func validateFrame(_ bytes: [UInt8], checksum: Bool = true) throws(ProfileStateCodecError) {
        guard bytes.count >= magic.count + 1 + 8 else { throw .truncated }
        guard bytes[0] == magic[0], bytes[1] == magic[1], bytes[2] == magic[2], bytes[3] == magic[3] else {
            throw .badMagic
        }
        let format = bytes[4]
        guard format >= oldestReadableVersion && format <= formatVersion else { throw .unsupportedVersion(format) }
        guard checksum else { return }
        let body = bytes[0..<(bytes.count - 8)]
        var tail = Reader(bytes: bytes, offset: bytes.count - 8, end: bytes.count)
        // Format 1 used a byte-at-a-time FNV-1a; format 2 a word-at-a-time hash. Both stay readable.
        let checksum = format == 1 ? StableHash.fnv1a(body) : StableHash.words(body)
        guard try tail.u64() == checksum else { throw .badChecksum }
    }

    private struct Writer {
        var bytes: [UInt8] = []
        mutating func u32(_ value: UInt32) {
            for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
        }
        mutating func u64(_ value: UInt64) {
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
        }
        mutating func string(_ value: String) {
            u32(UInt32(value.utf8.count))
            bytes.append(contentsOf: value.utf8)
        }
    }

    /// Bounds-checked little-endian reads of one state (shared with `ProfileStateBatch`).
    struct Reader {
        let bytes: [UInt8]
        var offset: Int
        let end: Int

        mutating func u8() throws(ProfileStateCodecError) -> UInt8 {
            guard offset < end else { throw .truncated }
            defer { offset += 1 }
            return bytes[offset]
        }
        mutating func u32() throws(ProfileStateCodecError) -> UInt32 {
            guard end - offset >= 4 else { throw .truncated }
            var value: UInt32 = 0
            for index in 0..<4 { value |= UInt32(bytes[offset + index]) << (8 * index) }
            offset += 4
            return value
        }
        mutating func u64() throws(ProfileStateCodecError) -> UInt64 {
            guard end - offset >= 8 else { throw .truncated }
            var value: UInt64 = 0
            for index in 0..<8 { value |= UInt64(bytes[offset + index]) << (8 * index) }
            offset += 8
            return value
        }
        /// A list count that the remaining bytes could actually hold.
        mutating func count(minimumItemBytes: Int) throws(ProfileStateCodecError) -> Int {
            let count = Int(try u32())
            guard count <= (end - offset) / minimumItemBytes else { throw .truncated }
            return count
        }
        mutating func skipString() throws(ProfileStateCodecError) {
            let length = Int(try u32())
            guard length <= end - offset else { throw .truncated }
            offset += length
        }
        mutating func string() throws(ProfileStateCodecError) -> String {
            let length = Int(try u32())
            guard length <= end - offset else { throw .truncated }
            defer { offset += length }
            // `String(decoding:)` has a fast contiguous path (`String(validating:)` with a slice goes
            // through generic metadata per call); valid UTF-8 is exactly what decodes to the same bytes.
            let slice = bytes[offset..<(offset + length)]
            // ASCII (ids, tags, countries) is valid UTF-8 as is: skip the re-encoding check.
            if slice.allSatisfy({ $0 < 0x80 }) { return String(decoding: slice, as: UTF8.self) }
            let value = String(decoding: slice, as: UTF8.self)
            guard value.utf8.elementsEqual(slice) else { throw .invalidValue("utf8") }
            return value
        }
    }
}

/// Why a byte string is not a profile state.
public enum ProfileStateCodecError: Error, Sendable, Equatable {
    case truncated
    case badMagic
    case unsupportedVersion(UInt8)
    case badChecksum
    case invalidValue(String)
    case trailingBytes
}
