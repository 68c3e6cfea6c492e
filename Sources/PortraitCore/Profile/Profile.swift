/// One user's full state, compact: a slab entry of `ProfileStore`.
///
/// Strings other than the user id are interned symbols. Scores, seen items and window entries share
/// one `[UInt32]` (one allocation, one header, one slack); the rare `blocked` and `moreOffsets`
/// arrays stay empty (no allocation) until used. Scores are stored against `reference`:
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

    // Stored properties by alignment (8-, 4-, 2-, 1-byte), so the struct has no inner padding.
    var userId: String
    /// Scores (three words each: tags then authors, each sorted by symbol id), then seen items, then
    /// window entries, in one allocation; `tagCount`, `authorCount`, `seenCount` and `windowCount`
    /// delimit the regions (see `Profile+Regions.swift`).
    /// - Important: `words.count` is always the sum of the regions: no unused words past the last.
    var words: [UInt32] = []
    /// Items and (with `ScoreEntry.authorFlag`) authors marked `not_interested`, oldest first.
    var blocked: [UInt32] = [] { didSet { outOfLineBytes = Self.clampedBytes(blocked, moreOffsets) } }
    /// Highest applied offsets of further input partitions (unkeyed input brings a user's events on all of them).
    var moreOffsets: [PartitionOffset] = [] { didSet { outOfLineBytes = Self.clampedBytes(blocked, moreOffsets) } }
    var version: UInt64 = 0
    var asOf: Int64 = .min
    var reference: Int64 = 0
    /// The applied offset of the first input partition seen, inline (-1 = none): the usual case
    /// needs no array. Further partitions go to `moreOffsets`.
    var firstOffset: Int64 = -1
    /// Context timestamps and values are separate fields (a `ContextField` pads 4 bytes); see `country`.
    var countryTimestamp: Int64 = .min
    var deviceTimestamp: Int64 = .min
    var langTimestamp: Int64 = .min
    /// Input partition of the latest applied event; the changelog partition of its records.
    var partition: Int32 = 0
    var events: UInt32 = 0
    var firstPartition: Int32 = -1
    var countryValue: UInt32 = 0
    var deviceValue: UInt32 = 0
    var langValue: UInt32 = 0
    /// Least-recently-active list links through the slab (-1 = none).
    var newer: Int32 = -1
    var older: Int32 = -1
    /// `estimatedBytes` as last added to the shard's total.
    var accountedBytes: UInt32 = 0
    var tagCount: UInt16 = 0
    var authorCount: UInt16 = 0
    /// Last distinct items interacted with, oldest first: the region after the scores.
    var seenCount: UInt16 = 0
    /// Window entries (`WindowCounts`' format): the last region.
    var windowCount: UInt16 = 0
    /// Heap bytes of `blocked` and `moreOffsets` (`UInt16.max`: that many or more), kept by their observers while
    /// their headers are in cache: `estimatedBytes` runs after every event, and reading the headers there was a
    /// cache miss per event (with unkeyed input `moreOffsets` is never empty).
    var outOfLineBytes: UInt16 = 0
    var dirty = false

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

    /// The newest country and its `ts`.
    var country: ContextField {
        get { ContextField(value: countryValue, timestamp: countryTimestamp) }
        set { (countryValue, countryTimestamp) = (newValue.value, newValue.timestamp) }
    }

    /// The newest device and its `ts`.
    var device: ContextField {
        get { ContextField(value: deviceValue, timestamp: deviceTimestamp) }
        set { (deviceValue, deviceTimestamp) = (newValue.value, newValue.timestamp) }
    }

    /// The newest language and its `ts`.
    var lang: ContextField {
        get { ContextField(value: langValue, timestamp: langTimestamp) }
        set { (langValue, langTimestamp) = (newValue.value, newValue.timestamp) }
    }

    /// Gives back array slack (called after emission, when a profile is likely idle for a while).
    ///
    /// `words` is trimmed to its exact size whenever it has more than a few words of slack (a few:
    /// malloc rounds a request up to 16 bytes, which `Array` reports as capacity).
    mutating func compact() {
        if words.capacity > words.count + 3 {
            words = words.isEmpty ? [] : words.withUnsafeBufferPointer { Array($0) }
        }
        if blocked.capacity > blocked.count + blocked.count / 4 + 2 {
            blocked = blocked.isEmpty ? [] : blocked.withUnsafeBufferPointer { Array($0) }
        }
    }

    /// Bytes this profile holds, for `maxProfileBytes` and the benchmark's estimate.
    var estimatedBytes: Int {
        let idBytes = userId.utf8.count > 15 ? 32 + userId.utf8.count : 0
        let outOfLine = outOfLineBytes == .max ? Self.bytes(blocked, moreOffsets) : Int(outOfLineBytes)
        return MemoryLayout<Profile>.stride + idBytes + Self.heap(words) + outOfLine
    }

    private static func heap<T>(_ array: [T]) -> Int {
        array.capacity == 0 ? 0 : 32 + array.capacity * MemoryLayout<T>.stride
    }

    private static func bytes(_ blocked: [UInt32], _ moreOffsets: [PartitionOffset]) -> Int {
        heap(blocked) + heap(moreOffsets)
    }

    private static func clampedBytes(_ blocked: [UInt32], _ moreOffsets: [PartitionOffset]) -> UInt16 {
        UInt16(clamping: bytes(blocked, moreOffsets))
    }
}
