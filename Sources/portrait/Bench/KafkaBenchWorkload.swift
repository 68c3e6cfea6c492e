import Foundation

/// The benchmark's records: `key<TAB>value` lines of ~N bytes, in memory and in a file for `kcat -P -K '\t'`.
///
/// Keys are user ids, so both producers spread records evenly over partitions with librdkafka's key hash.
/// (Null keys would go through 2.0.2's sticky partitioner, which fills a few partitions past the mock's ~5 MiB cap.)
struct KafkaBenchWorkload {
    let bytes: [UInt8]
    /// For record `i`: the key is `lineStarts[i]..<tabs[i]`, the value `tabs[i] + 1..<lineStarts[i + 1] - 1`.
    let lineStarts: [Int]
    let tabs: [Int]
    let file: String
    var count: Int { tabs.count }

    init(messages: Int, size: Int) throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(messages * (size + 1))
        var lineStarts: [Int] = []
        lineStarts.reserveCapacity(messages + 1)
        var tabs: [Int] = []
        tabs.reserveCapacity(messages)
        for index in 0..<messages {
            lineStarts.append(bytes.count)
            let user = "u\(index % 100_000)"
            bytes.append(contentsOf: Array(user.utf8))
            tabs.append(bytes.count)
            bytes.append(UInt8(ascii: "\t"))
            var line = Array(
                #"{"user_id":"\#(user)","item_id":"i\#(index % 5_000)","event":"view","ts":\#(1_700_000_000_000 + index),"pad":""#
                    .utf8)
            while line.count < size - 2 { line.append(UInt8(ascii: "a") + UInt8(index % 26)) }
            line.append(contentsOf: Array(#""}"#.utf8))
            bytes.append(contentsOf: line)
            bytes.append(UInt8(ascii: "\n"))
        }
        lineStarts.append(bytes.count)
        self.bytes = bytes
        self.lineStarts = lineStarts
        self.tabs = tabs
        file = NSTemporaryDirectory() + "portrait-bench-\(getpid()).txt"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
    }

    /// Value bytes of all records: what a consumer reading them all must see.
    var valueBytes: Int { (0..<count).reduce(0) { $0 + lineStarts[$1 + 1] - 1 - tabs[$1] - 1 } }

    /// Streams `key<TAB>value` lines from `path` through one 4 MiB buffer, calling `body` per record.
    static func forEachRecord(
        inFile path: String, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw BenchError("cannot open \(path)") }
        defer { close(fd) }
        let capacity = 4 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var filled = 0
        while true {
            let count = read(fd, buffer.baseAddress! + filled, capacity - filled)
            if count < 0 { throw BenchError("read \(path): errno \(errno)") }
            filled += count
            // memchr (vectorised, as kcat's line reading is) rather than a byte loop: the bench times the
            // producer, and a byte-at-a-time scan cost ~0.25 µs per 200-byte record on its own.
            let base = buffer.baseAddress!
            var lineStart = 0
            while lineStart < filled,
                let newline = memchr(base + lineStart, Int32(UInt8(ascii: "\n")), filled - lineStart)
            {
                let end = base.distance(to: UnsafeMutableRawPointer(newline))
                if let tab = memchr(base + lineStart, Int32(UInt8(ascii: "\t")), end - lineStart) {
                    let tabIndex = base.distance(to: UnsafeMutableRawPointer(tab))
                    try body(
                        UnsafeRawBufferPointer(start: base + lineStart, count: tabIndex - lineStart),
                        UnsafeRawBufferPointer(start: base + tabIndex + 1, count: end - tabIndex - 1))
                }
                lineStart = end + 1
            }
            let rest = filled - lineStart
            if rest > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + lineStart, byteCount: rest) }
            filled = rest
            if count == 0 { break }
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: file) }
}
