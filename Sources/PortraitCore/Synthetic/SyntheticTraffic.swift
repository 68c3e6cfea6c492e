/// Deterministic synthetic interaction traffic and item catalog for benchmarks, tests and the load generator.
///
/// Everything derives from `Options.seed` through `SplitMix64`, so the same options give the same byte stream
/// on any machine. Users, items, tags and authors are drawn with Zipf skew (rank 0 is the most popular: `u0`,
/// `v0`, the first tag, `a0`). Each item has 1–4 tags, one author and a duration; each user a fixed country,
/// device and language. Event time advances by `eventTimeStepMs` per event from `startMs`, with a small share
/// of late events. The JSON varies in field order, spacing, optional fields and escapes, but is always valid:
/// every event decodes as accepted (for `nowMs ≥` the newest event time minus one hour).
public struct SyntheticTraffic: Sendable {
    /// Sizes, skew, seed and clock of the synthetic world.
    public struct Options: Sendable {
        public var users: Int
        public var tags: Int
        public var authors: Int
        public var items: Int
        public var seed: UInt64
        /// Exponent of the Zipf laws for user activity, item, tag and author popularity.
        public var zipfExponent: Double
        /// Event time of the first event, epoch milliseconds.
        public var startMs: Int64
        /// Event time added per generated event (e.g. 0.01 = 100,000 events per second of event time).
        public var eventTimeStepMs: Double
        /// Share of events whose `ts` lies up to `maxLatenessMs` before the current event time.
        public var lateShare: Double
        public var maxLatenessMs: Int64

        public init(
            users: Int = 100_000,
            tags: Int = 5_000,
            authors: Int = 2_000,
            items: Int = 50_000,
            seed: UInt64 = 42,
            zipfExponent: Double = 1.0,
            startMs: Int64 = 1_732_896_000_000,
            eventTimeStepMs: Double = 10,
            lateShare: Double = 0.02,
            maxLatenessMs: Int64 = 600_000
        ) {
            self.users = users
            self.tags = tags
            self.authors = authors
            self.items = items
            self.seed = seed
            self.zipfExponent = zipfExponent
            self.startMs = startMs
            self.eventTimeStepMs = eventTimeStepMs
            self.lateShare = lateShare
            self.maxLatenessMs = maxLatenessMs
        }
    }

    public let options: Options
    /// How many events have been generated so far.
    public internal(set) var eventsGenerated: Int = 0

    var rng: SplitMix64
    let userZipf: ZipfDistribution
    let itemZipf: ZipfDistribution
    /// Flattened tag names (UTF-8) and their start offsets; `tagOffsets.count == tags + 1`.
    let tagBytes: [UInt8]
    let tagOffsets: [Int32]
    /// Per item: up to four tag indices (`-1` = none), the author index and the duration.
    let itemTags: [Int32]
    let itemAuthor: [Int32]
    let itemDuration: [Int32]

    public init(options: Options = Options()) {
        precondition(options.users > 0 && options.tags > 0 && options.authors > 0 && options.items > 0)
        self.options = options
        var setup = SplitMix64(seed: options.seed ^ 0x5EED_CA7A_1060_0001)
        userZipf = ZipfDistribution(count: options.users, exponent: options.zipfExponent)
        itemZipf = ZipfDistribution(count: options.items, exponent: options.zipfExponent)
        let tagZipf = ZipfDistribution(count: options.tags, exponent: options.zipfExponent)
        let authorZipf = ZipfDistribution(count: options.authors, exponent: options.zipfExponent)

        var tagBytes: [UInt8] = []
        var tagOffsets: [Int32] = [0]
        for tag in 0..<options.tags {
            let word = Self.tagWords[tag % Self.tagWords.count]
            tagBytes.append(contentsOf: word.utf8)
            let round = tag / Self.tagWords.count
            if round > 0 { Self.appendDecimal(Int64(round), to: &tagBytes) }
            tagOffsets.append(Int32(tagBytes.count))
        }
        self.tagBytes = tagBytes
        self.tagOffsets = tagOffsets

        var itemTags = [Int32](repeating: -1, count: options.items * 4)
        var itemAuthor = [Int32](repeating: 0, count: options.items)
        var itemDuration = [Int32](repeating: 0, count: options.items)
        for item in 0..<options.items {
            let tagCount = 1 + setup.nextInt(below: min(4, options.tags))
            var chosen = 0
            var attempts = 0
            while chosen < tagCount && attempts < 16 {
                attempts += 1
                let tag = Int32(tagZipf.sample(using: &setup))
                if (0..<chosen).contains(where: { itemTags[item * 4 + $0] == tag }) { continue }
                itemTags[item * 4 + chosen] = tag
                chosen += 1
            }
            itemAuthor[item] = Int32(authorZipf.sample(using: &setup))
            // 5 s … 180 s, skewed towards short videos.
            let unit = setup.nextUnit()
            itemDuration[item] = Int32(5_000 + Int(unit * unit * 175_000))
        }
        self.itemTags = itemTags
        self.itemAuthor = itemAuthor
        self.itemDuration = itemDuration
        rng = SplitMix64(seed: options.seed)
    }

    // MARK: - Names

    /// The user id of user `index` (`u<index>`), also the Kafka key of its events.
    public func userId(_ index: Int) -> String { "u\(index)" }

    /// The item id of item `index` (`v<index>`).
    public func itemId(_ index: Int) -> String { "v\(index)" }

    /// The author id of author `index` (`a<index>`).
    public func authorId(_ index: Int) -> String { "a\(index)" }

    /// The name of tag `index`.
    public func tagName(_ index: Int) -> String {
        let start = Int(tagOffsets[index])
        let end = Int(tagOffsets[index + 1])
        return String(decoding: tagBytes[start..<end], as: UTF8.self)
    }

    /// Item `index` as the catalog knows it.
    public func catalogItem(_ index: Int) -> CatalogItem {
        CatalogItem(
            itemId: itemId(index),
            tags: tagIndices(ofItem: index).map { tagName($0) },
            authorId: authorId(Int(itemAuthor[index])),
            createdTs: options.startMs - Int64(index) * 1_000,
            durationMs: Int64(itemDuration[index])
        )
    }

    /// Tag indices of item `index`, most popular draw first.
    public func tagIndices(ofItem index: Int) -> [Int] {
        (0..<4).compactMap { slot in
            let tag = itemTags[index * 4 + slot]
            return tag >= 0 ? Int(tag) : nil
        }
    }

    /// The probability that an event belongs to user `index` (Zipf law of activity).
    public func activityShare(ofUser index: Int) -> Double { userZipf.probability(of: index) }

    // MARK: - Catalog records

    /// Appends the catalog record (CONTRACT §3 JSON) of item `index` to `value`.
    public func appendCatalogRecord(item index: Int, to value: inout [UInt8]) {
        Self.append("{\"item_id\":\"v", to: &value)
        Self.appendDecimal(Int64(index), to: &value)
        Self.append("\",\"tags\":[", to: &value)
        for slot in 0..<4 {
            let tag = itemTags[index * 4 + slot]
            if tag < 0 { break }
            if slot > 0 { value.append(UInt8(ascii: ",")) }
            appendQuotedTag(Int(tag), to: &value)
        }
        Self.append("],\"author_id\":\"a", to: &value)
        Self.appendDecimal(Int64(itemAuthor[index]), to: &value)
        Self.append("\",\"created_ts\":", to: &value)
        Self.appendDecimal(options.startMs - Int64(index) * 1_000, to: &value)
        Self.append(",\"duration_ms\":", to: &value)
        Self.appendDecimal(Int64(itemDuration[index]), to: &value)
        value.append(UInt8(ascii: "}"))
    }

    /// The catalog record of item `index` as a fresh byte array.
    public func catalogRecord(item index: Int) -> [UInt8] {
        var value: [UInt8] = []
        value.reserveCapacity(160)
        appendCatalogRecord(item: index, to: &value)
        return value
    }

    // MARK: - Helpers shared with the event writer

    func appendQuotedTag(_ tag: Int, to value: inout [UInt8]) {
        value.append(UInt8(ascii: "\""))
        let start = Int(tagOffsets[tag])
        let end = Int(tagOffsets[tag + 1])
        tagBytes.withUnsafeBufferPointer { value.append(contentsOf: UnsafeBufferPointer(rebasing: $0[start..<end])) }
        value.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    static func append(_ text: StaticString, to value: inout [UInt8]) {
        value.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends the decimal digits of `number` without building a `String`.
    static func appendDecimal(_ number: Int64, to value: inout [UInt8]) {
        if number < 0 { value.append(UInt8(ascii: "-")) }
        var magnitude = number.magnitude
        var digits = 1
        var probe = magnitude
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        let end = value.count + digits
        value.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digits))
        var index = end - 1
        repeat {
            value[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
            magnitude /= 10
            index -= 1
        } while magnitude > 0
    }

    static let tagWords = [
        "cooking", "pets", "cats", "dogs", "gaming", "music", "dance", "comedy", "travel", "fitness",
        "fashion", "beauty", "diy", "science", "tech", "cars", "football", "basketball", "anime", "art",
        "asmr", "books", "movies", "news", "history", "nature", "camping", "fishing", "garden", "baking",
        "coffee", "parenting", "finance", "crypto", "language", "math", "physics", "space", "memes", "vlog",
    ]
}
