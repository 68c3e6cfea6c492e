import Foundation

/// A local snapshot of the profiles of one input partition: the file format, atomic writing and validating reads.
///
/// Layout (all integers little-endian):
///
///     magic "PRTSNAP\u{1}" (8) · format version u16 · header length u32 · header · entries · checksum u64
///     header:  group, profiles topic (each u16 length + UTF-8) · partition i32 · changelog offset i64
///              · created (epoch ms) i64 · entry count u32
///     entry:   user id (u16 length + UTF-8) · state (u32 length + ProfileStateCodec bytes)
///
/// `changelogOffset` is the profiles topic's high watermark of the partition when the snapshot was taken:
/// restore loads the snapshot, then replays the changelog from that offset (records already reflected are
/// ignored by version). The checksum is FNV-1a 64 over everything before it, taken over little-endian 8-byte
/// words (the last one zero-padded) since format version 2 — eight times fewer multiplications than
/// bytewise, which mattered for 1M-profile files (issue 5); version 1 files (bytewise) are still read. A file that is truncated, has
/// another magic or version, belongs to another group, topic or partition, or fails its checksum is
/// reported and ignored — never trusted, never fatal.
public struct SnapshotFile: Sendable {
    static let magic: [UInt8] = Array("PRTSNAP".utf8) + [1]
    /// Version 2 checksums 8-byte words (`fnv1a64Words`); version 1 (bytewise FNV-1a) is still read.
    static let formatVersion: UInt16 = 2
    static let readableVersions: ClosedRange<UInt16> = 1...2

    public struct Header: Sendable, Equatable {
        public var group: String
        public var topic: String
        public var partition: Int32
        public var changelogOffset: Int64
        public var createdMs: Int64
        public var count: UInt32

        public init(group: String, topic: String, partition: Int32, changelogOffset: Int64, createdMs: Int64, count: UInt32) {
            self.group = group
            self.topic = topic
            self.partition = partition
            self.changelogOffset = changelogOffset
            self.createdMs = createdMs
            self.count = count
        }
    }

    public struct Entry: Sendable {
        public var userId: String
        public var state: [UInt8]

        public init(userId: String, state: [UInt8]) {
            self.userId = userId
            self.state = state
        }
    }

    public enum ReadError: Error, CustomStringConvertible, Equatable {
        case missing
        case truncated
        case notASnapshot
        case unsupportedVersion(UInt16)
        case foreign(String)
        case checksumMismatch

        public var description: String {
            switch self {
            case .missing: "no snapshot"
            case .truncated: "truncated"
            case .notASnapshot: "not a Portrait snapshot"
            case .unsupportedVersion(let version): "unsupported format version \(version)"
            case .foreign(let what): "belongs to \(what)"
            case .checksumMismatch: "checksum mismatch"
            }
        }
    }

    /// `state_dir/snapshots/<group>/<topic>-<partition>.snap`
    public static func url(directory: String, group: String, topic: String, partition: Int32) -> URL {
        URL(fileURLWithPath: directory).appendingPathComponent("snapshots").appendingPathComponent(sanitize(group))
            .appendingPathComponent("\(sanitize(topic))-\(partition).snap")
    }

    private static func sanitize(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" })
    }

    // MARK: Writing

    public static func encode(header: Header, entries: [Entry]) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(entries.reduce(64) { $0 + $1.userId.utf8.count + $1.state.count + 6 })
        var headerBytes: [UInt8] = []
        headerBytes.appendString16(header.group)
        headerBytes.appendString16(header.topic)
        headerBytes.appendInteger(header.partition)
        headerBytes.appendInteger(header.changelogOffset)
        headerBytes.appendInteger(header.createdMs)
        headerBytes.appendInteger(UInt32(entries.count))
        body += magic
        body.appendInteger(formatVersion)
        body.appendInteger(UInt32(headerBytes.count))
        body += headerBytes
        for entry in entries {
            body.appendString16(entry.userId)
            body.appendInteger(UInt32(entry.state.count))
            body += entry.state
        }
        body.appendInteger(body.withUnsafeBufferPointer { fnv1a64Words($0) })
        return body
    }

    /// Writes atomically: a temporary file in the same directory, fsync, rename over the old one, fsync the directory.
    public static func write(_ bytes: [UInt8], to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var written = 0
        let result: Int32 = bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let count = Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += count
            }
            return fsync(fd) == 0 ? 0 : errno
        }
        close(fd)
        guard result == 0 else {
            unlink(temporary.path)
            throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO)
        }
        guard rename(temporary.path, url.path) == 0 else {
            let error = errno
            unlink(temporary.path)
            throw POSIXError(POSIXErrorCode(rawValue: error) ?? .EIO)
        }
        let directoryFD = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }

    // MARK: Reading

    /// Reads and validates a snapshot written for `group`, `topic` and `partition`.
    ///
    /// The file is read in one go into one buffer; entries are parsed from it in place (each state is one
    /// copy out of the buffer, each user id one string).
    public static func read(
        from url: URL,
        group: String,
        topic: String,
        partition: Int32
    ) throws(ReadError) -> (header: Header, entries: [Entry]) {
        guard let bytes = readWholeFile(url.path) else { throw .missing }
        return try bytes.withUnsafeBufferPointer { buffer throws(ReadError) in
            try parse(buffer, group: group, topic: topic, partition: partition)
        }
    }

    private static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>,
        group: String,
        topic: String,
        partition: Int32
    ) throws(ReadError) -> (header: Header, entries: [Entry]) {
        guard bytes.count >= magic.count + 2 + 4 + 8 else { throw .truncated }
        guard bytes[0..<magic.count].elementsEqual(magic) else { throw .notASnapshot }
        var reader = ByteReader(bytes: UnsafeBufferPointer(rebasing: bytes[..<(bytes.count - 8)]), position: magic.count)
        guard let version: UInt16 = reader.integer() else { throw .truncated }
        guard readableVersions.contains(version) else { throw .unsupportedVersion(version) }
        var tail = ByteReader(bytes: bytes, position: bytes.count - 8)
        let body = UnsafeBufferPointer(rebasing: bytes[..<(bytes.count - 8)])
        guard tail.integer() == (version == 1 ? fnv1a64(body) : fnv1a64Words(body)) else { throw .checksumMismatch }
        guard let _: UInt32 = reader.integer(), let fileGroup = reader.string16(), let fileTopic = reader.string16(),
            let filePartition: Int32 = reader.integer(), let offset: Int64 = reader.integer(),
            let created: Int64 = reader.integer(), let count: UInt32 = reader.integer()
        else { throw .truncated }
        guard fileGroup == group, fileTopic == topic, filePartition == partition else {
            throw .foreign("group \(fileGroup), \(fileTopic)/\(filePartition)")
        }
        var entries: [Entry] = []
        entries.reserveCapacity(Int(min(count, 1 << 24)))
        for _ in 0..<count {
            guard let userId = reader.string16(), let length: UInt32 = reader.integer(),
                let state = reader.bytes(Int(length))
            else { throw .truncated }
            entries.append(Entry(userId: userId, state: state))
        }
        guard reader.isAtEnd else { throw .truncated }
        return (
            Header(group: fileGroup, topic: fileTopic, partition: filePartition, changelogOffset: offset, createdMs: created, count: count),
            entries
        )
    }

    /// The whole file in one buffer (one `read` loop, no `Data` in between); `nil` if it cannot be read.
    private static func readWholeFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let end = lseek(fd, 0, SEEK_END)
        guard end >= 0, lseek(fd, 0, SEEK_SET) == 0 else { return nil }
        let size = Int(end)
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            while initialized < size {
                let count = Glibc.read(fd, buffer.baseAddress! + initialized, size - initialized)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else {
                    failed = count < 0
                    break
                }
                initialized += count
            }
        }
        return failed ? nil : bytes
    }

    static func fnv1a64(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.withUnsafeBufferPointer { fnv1a64($0) }
    }

    /// FNV-1a 64 over little-endian 8-byte words (each step followed by an xor-shift), the last one
    /// zero-padded, then the byte count.
    static func fnv1a64Words(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let raw = UnsafeRawBufferPointer(bytes)
        let words = bytes.count / 8
        for index in 0..<words {
            hash ^= UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
            hash &*= 0x0000_0100_0000_01b3
            hash ^= hash >> 29  // brings high bits down: a word's high byte then reaches every later bit
        }
        var last: UInt64 = 0
        for index in (words * 8)..<bytes.count { last |= UInt64(bytes[index]) << (8 * UInt64(index - words * 8)) }
        hash ^= last
        hash &*= 0x0000_0100_0000_01b3
        hash ^= UInt64(bytes.count)
        hash &*= 0x0000_0100_0000_01b3
        return hash
    }

    static func fnv1a64(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}

extension [UInt8] {
    fileprivate mutating func appendInteger<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    fileprivate mutating func appendString16(_ value: String) {
        let utf8 = Array(value.utf8.prefix(Int(UInt16.max)))
        appendInteger(UInt16(utf8.count))
        append(contentsOf: utf8)
    }
}

/// Bounds-checked little-endian reads over a byte buffer; `nil` past the end.
private struct ByteReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var position: Int

    var isAtEnd: Bool { position == bytes.count }

    mutating func integer<T: FixedWidthInteger>() -> T? {
        let size = MemoryLayout<T>.size
        guard position + size <= bytes.count else { return nil }
        var value: T = 0
        for index in 0..<size { value |= T(truncatingIfNeeded: bytes[position + index]) << (8 * index) }
        position += size
        return value
    }

    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, position + count <= bytes.count else { return nil }
        defer { position += count }
        return Array(UnsafeBufferPointer(rebasing: bytes[position..<(position + count)]))
    }

    mutating func string16() -> String? {
        guard let length: UInt16 = integer(), position + Int(length) <= bytes.count else { return nil }
        let raw = UnsafeBufferPointer(rebasing: bytes[position..<(position + Int(length))])
        position += Int(length)
        return String(validating: raw, as: UTF8.self)
    }
}
