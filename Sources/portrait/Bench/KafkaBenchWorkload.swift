import Foundation

/// The benchmark's records: newline-separated ~N-byte JSON-like lines, in memory and in a file for kcat -P.
struct KafkaBenchWorkload {
    let bytes: [UInt8]
    /// Start offset of each record in `bytes`; record `i` ends at `starts[i + 1] - 1` (before the newline).
    let starts: [Int]
    let file: String
    var count: Int { starts.count - 1 }

    init(messages: Int, size: Int) throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(messages * (size + 1))
        var starts: [Int] = []
        starts.reserveCapacity(messages + 1)
        for index in 0..<messages {
            starts.append(bytes.count)
            var line = Array(
                #"{"user_id":"u\#(index % 100_000)","item_id":"i\#(index % 5_000)","event":"view","ts":\#(1_700_000_000_000 + index),"pad":""#
                    .utf8)
            while line.count < size - 2 { line.append(UInt8(ascii: "a") + UInt8(index % 26)) }
            line.append(contentsOf: Array(#""}"#.utf8))
            bytes.append(contentsOf: line)
            bytes.append(UInt8(ascii: "\n"))
        }
        starts.append(bytes.count)
        self.bytes = bytes
        self.starts = starts
        file = NSTemporaryDirectory() + "portrait-bench-\(getpid()).txt"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
    }

    /// The bytes of all records without separators: what a consumer reading them all should checksum.
    var payloadBytes: Int { bytes.count - count }
}
