/// Message values laid end to end in one buffer, as a consumer finds them in its fetch buffers.
///
/// The benchmarks decode from it: iterating `[[UInt8]]` retains and releases each value's array, ~4 % of the
/// decode + apply measurement and a cost the daemon does not have.
struct ContiguousValues {
    private let buffer: [UInt8]
    private let offsets: [Int]

    init(_ values: [[UInt8]]) {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(values.reduce(0) { $0 + $1.count })
        var offsets = [0]
        offsets.reserveCapacity(values.count + 1)
        for value in values {
            buffer += value
            offsets.append(buffer.count)
        }
        self.buffer = buffer
        self.offsets = offsets
    }

    var count: Int { offsets.count - 1 }

    /// Calls `body` with each value's index and bytes, in order.
    @inline(__always)
    func forEach(_ body: (_ index: Int, _ value: UnsafeRawBufferPointer) -> Void) {
        buffer.withUnsafeBytes { all in
            for index in 0..<count {
                body(index, UnsafeRawBufferPointer(rebasing: all[offsets[index]..<offsets[index + 1]]))
            }
        }
    }
}
