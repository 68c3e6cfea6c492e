/// One user's full state, compact: a slab entry of `ProfileStore`.
///
/// Strings other than the user id are interned symbols. Variable-size parts are a few arrays
/// that stay empty (no allocation) until used. Scores are stored against `reference`:
/// `stored = Σ w · 2^((ts − reference) / H)`, so an event updates only its own tags and author.
struct Profile {
    /// A tag or author score: 12 bytes (the Double is split into two words to avoid padding).
    struct ScoreEntry {
        /// Symbol id; `ScoreEntry.authorFlag` set for authors, so tags sort before authors.
        var key: UInt32
        var low: UInt32
        var high: UInt32

        static let authorFlag: UInt32 = 1 << 31

        init(key: UInt32, value: Double) {
            self.key = key
            let bits = value.bitPattern
            self.low = UInt32(truncatingIfNeeded: bits)
            self.high = UInt32(truncatingIfNeeded: bits >> 32)
        }

        var value: Double {
            get { Double(bitPattern: UInt64(high) << 32 | UInt64(low)) }
            set {
                let bits = newValue.bitPattern
                low = UInt32(truncatingIfNeeded: bits)
                high = UInt32(truncatingIfNeeded: bits >> 32)
            }
        }

        var isAuthor: Bool { key & Self.authorFlag != 0 }
        var symbol: UInt32 { key & ~Self.authorFlag }
    }

    /// The newest value of one context field and the `ts` it came with.
    struct ContextField: Equatable {
        var value: UInt32 = 0
        var timestamp: Int64 = .min
    }

    /// The highest applied offset of one input partition.
    struct PartitionOffset: Equatable {
        var partition: Int32
        var offset: Int64
    }

    var userId: String
    /// Input partition of the latest applied event; the changelog partition of its records.
    var partition: Int32 = 0
    var events: UInt32 = 0
    var version: UInt64 = 0
    var asOf: Int64 = .min
    var reference: Int64 = 0
    /// Tags then authors, each sorted by symbol id.
    var scores: [ScoreEntry] = []
    var tagCount: UInt16 = 0
    var authorCount: UInt16 = 0
    /// The applied offset of the first input partition seen, inline (-1 = none): the usual case
    /// needs no array. Further partitions go to `moreOffsets`.
    var firstPartition: Int32 = -1
    var firstOffset: Int64 = -1
    var windows = WindowCounts()
    /// Last distinct items interacted with, oldest first.
    var seen: [UInt32] = []
    /// Items and (with `ScoreEntry.authorFlag`) authors marked `not_interested`, oldest first.
    var blocked: [UInt32] = []
    var country = ContextField()
    var device = ContextField()
    var lang = ContextField()
    var moreOffsets: [PartitionOffset] = []
    /// Least-recently-active list links through the slab (-1 = none).
    var newer: Int32 = -1
    var older: Int32 = -1
    var dirty = false
    /// `estimatedBytes` as last added to the shard's total (sits in the struct's tail padding).
    var accountedBytes: UInt32 = 0

    init(userId: String) {
        self.userId = userId
    }

    /// Highest applied offset per input partition.
    var offsets: [PartitionOffset] {
        get {
            firstPartition < 0 ? moreOffsets : [PartitionOffset(partition: firstPartition, offset: firstOffset)] + moreOffsets
        }
        set {
            firstPartition = newValue.first?.partition ?? -1
            firstOffset = newValue.first?.offset ?? -1
            moreOffsets = Array(newValue.dropFirst())
        }
    }

    /// Gives back array slack (called after emission, when a profile is likely idle for a while).
    mutating func compact() {
        func shrink<T>(_ array: inout [T]) {
            if array.capacity > array.count + array.count / 4 + 2 {
                array = array.isEmpty ? [] : array.withUnsafeBufferPointer { Array($0) }
            }
        }
        shrink(&scores)
        shrink(&seen)
        shrink(&blocked)
        shrink(&windows.entries)
    }

    /// Bytes this profile holds, for `maxProfileBytes` and the benchmark's estimate.
    var estimatedBytes: Int {
        func heap<T>(_ array: [T]) -> Int {
            array.capacity == 0 ? 0 : 32 + array.capacity * MemoryLayout<T>.stride
        }
        let idBytes = userId.utf8.count > 15 ? 32 + userId.utf8.count : 0
        return MemoryLayout<Profile>.stride + idBytes + heap(scores) + heap(seen) + heap(blocked)
            + heap(moreOffsets) + windows.estimatedHeapBytes
    }
}
