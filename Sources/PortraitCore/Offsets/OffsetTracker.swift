/// Tracks one input partition's offsets from consumption to completion and yields the offset that
/// is safe to commit.
///
/// `register` offsets in consumption order (strictly increasing, gaps allowed), `complete` them in
/// any order; `committable` is the highest contiguous completed offset + 1 (Kafka's "next offset"),
/// or `nil` before anything completed. Memory is bounded by the in-flight offsets: completed
/// offsets at the front are dropped as soon as they are contiguous. `complete` is O(1) when the
/// registered offsets are dense (the usual case), O(log n) otherwise.
public struct OffsetTracker: Sendable {
    private var offsets: [Int64] = []
    private var done: [Bool] = []
    private var head = 0
    public private(set) var committable: Int64?
    /// The last registered offset, if any.
    public private(set) var lastRegistered: Int64?

    public init() {}

    /// Offsets registered and not yet committable.
    public var inFlight: Int { offsets.count - head }

    /// Registers the next consumed offset; offsets at or below the last registered one are ignored.
    public mutating func register(_ offset: Int64) {
        if let last = lastRegistered, offset <= last { return }
        offsets.append(offset)
        done.append(false)
        lastRegistered = offset
    }

    /// Registers a consumed range (e.g. a fetched batch), lowest first.
    public mutating func register(_ range: ClosedRange<Int64>) {
        for offset in range { register(offset) }
    }

    /// Marks `offset` fully processed; unknown or repeated offsets are ignored.
    public mutating func complete(_ offset: Int64) {
        guard let index = index(of: offset), !done[index] else { return }
        done[index] = true
        while head < offsets.count, done[head] {
            committable = offsets[head] + 1
            head += 1
        }
        if head > 1_024 && head * 2 > offsets.count {
            offsets.removeFirst(head)
            done.removeFirst(head)
            head = 0
        }
    }

    public mutating func complete(_ completed: some Sequence<Int64>) {
        for offset in completed { complete(offset) }
    }

    private func index(of offset: Int64) -> Int? {
        guard head < offsets.count, offset >= offsets[head], offset <= offsets[offsets.count - 1] else { return nil }
        let guess = head + Int(offset - offsets[head])
        if guess < offsets.count, offsets[guess] == offset { return guess }
        var low = head
        var high = offsets.count - 1
        while low <= high {
            let mid = (low + high) / 2
            if offsets[mid] == offset { return mid }
            if offsets[mid] < offset { low = mid + 1 } else { high = mid - 1 }
        }
        return nil
    }
}
