/// Interaction events: choosing one, then writing its JSON in one of several valid shapes.
extension SyntheticTraffic {
    /// One drawn event before it is written out.
    struct Draft {
        var user: Int
        var item: Int
        var type: EventType
        var ts: Int64
        var watchMs: Int64?
        var includeDuration: Bool
        var includeTags: Bool
        var includeAuthor: Bool
        var includeCountry: Bool
        var includeDevice: Bool
        var includeLang: Bool
        var includeEventId: Bool
        var includeUnknown: Bool
        var escapeUserId: Bool
        var pretty: Bool
        var layout: Int
        var sequence: Int
    }

    /// Appends the next event's JSON value to `value` and its key (the user id) to `key`. Allocates nothing
    /// beyond the buffers' growth.
    public mutating func appendEvent(value: inout [UInt8], key: inout [UInt8]) {
        let draft = drawEvent()
        key.append(UInt8(ascii: "u"))
        Self.appendDecimal(Int64(draft.user), to: &key)
        write(draft, to: &value)
    }

    /// Appends the next event's JSON value to `value` and returns its key, the user id.
    public mutating func appendEvent(to value: inout [UInt8]) -> String {
        let draft = drawEvent()
        write(draft, to: &value)
        return userId(draft.user)
    }

    /// The next event as a fresh byte array with its key.
    public mutating func nextEvent() -> (key: String, value: [UInt8]) {
        var value: [UInt8] = []
        value.reserveCapacity(256)
        let key = appendEvent(to: &value)
        return (key, value)
    }

    /// The event time of the newest event generated so far (late events lie before it).
    public var currentEventTimeMs: Int64 {
        options.startMs + Int64((Double(max(eventsGenerated - 1, 0)) * options.eventTimeStepMs).rounded(.down))
    }

    mutating func drawEvent() -> Draft {
        let sequence = eventsGenerated
        eventsGenerated += 1
        let user = userZipf.sample(using: &rng)
        let item = itemZipf.sample(using: &rng)
        let typeDraw = rng.nextUnit()
        let type: EventType =
            switch typeDraw {
            case ..<0.70: .view
            case ..<0.82: .like
            case ..<0.90: .skip
            case ..<0.93: .comment
            case ..<0.955: .share
            case ..<0.985: .follow
            default: .notInterested
            }
        var ts = options.startMs + Int64((Double(sequence) * options.eventTimeStepMs).rounded(.down))
        if options.lateShare > 0, rng.nextUnit() < options.lateShare, options.maxLatenessMs > 0 {
            ts -= Int64(rng.nextInt(below: Int(options.maxLatenessMs)))
            ts = max(ts, 946_684_800_000)
        }
        let bits = rng.next()
        let duration = Int64(itemDuration[item])
        var watchMs: Int64? = nil
        var includeDuration = false
        if type == .view {
            if bits & 15 != 0 {
                // Early quits, partial watches and rewatches.
                let shape = rng.nextUnit()
                let fraction =
                    shape < 0.2 ? shape * 1.5 : shape < 0.8 ? 0.3 + (shape - 0.2) * 1.1 : 1 + (shape - 0.8) * 5
                watchMs = Int64(Double(duration) * fraction)
                includeDuration = true
            }
        } else {
            includeDuration = (bits >> 4) & 7 == 0
        }
        // Most events carry the item's metadata; some leave it to the catalog.
        let catalogDraw = (bits >> 8) & 127
        let includeTags = catalogDraw >= 19  // ~85 %
        let includeAuthor = catalogDraw >= 10  // ~92 %
        return Draft(
            user: user,
            item: item,
            type: type,
            ts: ts,
            watchMs: watchMs,
            includeDuration: includeDuration,
            includeTags: includeTags,
            includeAuthor: includeAuthor,
            includeCountry: (bits >> 16) & 3 != 0,
            includeDevice: (bits >> 18) & 3 != 0,
            includeLang: (bits >> 20) & 3 != 0,
            includeEventId: (bits >> 22) & 1 != 0,
            includeUnknown: (bits >> 23) & 31 == 0,
            escapeUserId: (bits >> 28) & 127 == 0,
            pretty: (bits >> 35) & 31 == 0,
            layout: Int((bits >> 40) % 3),
            sequence: sequence
        )
    }

    /// The largest event the writer produces, with room to spare (tags are at most four short names).
    static let maxEventBytes = 1_024

    func write(_ draft: Draft, to value: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.maxEventBytes) { scratch in
            var out = ByteWriter(scratch)
            tagBytes.withUnsafeBufferPointer { tags in
                write(draft, tags: tags.baseAddress!, to: &out)
            }
            value.append(contentsOf: UnsafeBufferPointer(start: scratch.baseAddress, count: out.count))
        }
    }

    private func write(_ draft: Draft, tags: UnsafePointer<UInt8>, to value: inout ByteWriter) {
        var writer = ObjectWriter(pretty: draft.pretty)
        writer.open(&value)
        switch draft.layout {
        case 0:
            writeIdentity(draft, &writer, &value)
            writeMedia(draft, tags, &writer, &value)
            writeContext(draft, &writer, &value)
            writeExtras(draft, &writer, &value)
        case 1:
            writeContext(draft, &writer, &value)
            writeIdentity(draft, &writer, &value)
            writeMedia(draft, tags, &writer, &value)
            writeExtras(draft, &writer, &value)
        default:
            writeExtras(draft, &writer, &value)
            writeMedia(draft, tags, &writer, &value)
            writeIdentity(draft, &writer, &value)
            writeContext(draft, &writer, &value)
        }
        writer.close(&value)
    }

    private func writeIdentity(_ draft: Draft, _ writer: inout ObjectWriter, _ value: inout ByteWriter) {
        writer.key("user_id", &value)
        // An occasional escaped spelling of the same id exercises the decoder's unescaping.
        value.text(draft.escapeUserId ? "\"\\u0075" : "\"u")
        value.decimal(Int64(draft.user))
        value.byte(UInt8(ascii: "\""))
        writer.key("item_id", &value)
        value.text("\"v")
        value.decimal(Int64(draft.item))
        value.byte(UInt8(ascii: "\""))
        writer.key("type", &value)
        switch draft.type {
        case .view: value.text("\"view\"")
        case .like: value.text("\"like\"")
        case .comment: value.text("\"comment\"")
        case .share: value.text("\"share\"")
        case .follow: value.text("\"follow\"")
        case .skip: value.text("\"skip\"")
        case .notInterested: value.text("\"not_interested\"")
        }
        writer.key("ts", &value)
        value.decimal(draft.ts)
    }

    private func writeMedia(
        _ draft: Draft,
        _ tagNames: UnsafePointer<UInt8>,
        _ writer: inout ObjectWriter,
        _ value: inout ByteWriter
    ) {
        if let watchMs = draft.watchMs {
            writer.key("watch_ms", &value)
            value.decimal(watchMs)
        }
        if draft.includeDuration {
            writer.key("duration_ms", &value)
            value.decimal(Int64(itemDuration[draft.item]))
        }
        if draft.includeTags {
            writer.key("tags", &value)
            value.byte(UInt8(ascii: "["))
            for slot in 0..<4 {
                let tag = itemTags[draft.item * 4 + slot]
                if tag < 0 { break }
                if slot > 0 { value.text(draft.pretty ? ", " : ",") }
                let start = Int(tagOffsets[Int(tag)])
                value.byte(UInt8(ascii: "\""))
                value.bytes(tagNames + start, count: Int(tagOffsets[Int(tag) + 1]) - start)
                value.byte(UInt8(ascii: "\""))
            }
            value.byte(UInt8(ascii: "]"))
        }
        if draft.includeAuthor {
            writer.key("author_id", &value)
            value.text("\"a")
            value.decimal(Int64(itemAuthor[draft.item]))
            value.byte(UInt8(ascii: "\""))
        }
    }

    private func writeContext(_ draft: Draft, _ writer: inout ObjectWriter, _ value: inout ByteWriter) {
        let profile = Self.contextIndex(user: draft.user, seed: options.seed)
        let country = profile % Self.countryCount
        if draft.includeCountry {
            writer.key("country", &value)
            value.text(Self.country(country))
        }
        if draft.includeDevice {
            writer.key("device", &value)
            value.text(Self.device(profile / 16))
        }
        if draft.includeLang {
            writer.key("lang", &value)
            value.text(Self.language(country))
        }
    }

    private func writeExtras(_ draft: Draft, _ writer: inout ObjectWriter, _ value: inout ByteWriter) {
        if draft.includeEventId {
            writer.key("event_id", &value)
            value.text("\"e-")
            value.decimal(Int64(draft.sequence))
            value.byte(UInt8(ascii: "\""))
        }
        if draft.includeUnknown {
            writer.key("client", &value)
            value.text("{\"app\":\"4.2.1\",\"ab\":[7,-1.5e3,true,null],\"note\":\"caf\\u00e9 \\ud83c\\udfb5\"}")
        }
    }

    static func contextIndex(user: Int, seed: UInt64) -> Int {
        var mixer = SplitMix64(seed: seed ^ (UInt64(user) &* 0x9E37_79B9_7F4A_7C15))
        return Int(truncatingIfNeeded: mixer.next() >> 8)
    }

    static let countryCount = 10

    static func country(_ index: Int) -> StaticString {
        switch index {
        case 0: "\"US\""
        case 1: "\"BR\""
        case 2: "\"IN\""
        case 3: "\"ID\""
        case 4: "\"MX\""
        case 5: "\"DE\""
        case 6: "\"JP\""
        case 7: "\"GB\""
        case 8: "\"FR\""
        default: "\"TR\""
        }
    }

    static func language(_ country: Int) -> StaticString {
        switch country {
        case 0, 7: "\"en\""
        case 1: "\"pt\""
        case 2: "\"hi\""
        case 3: "\"id\""
        case 4: "\"es\""
        case 5: "\"de\""
        case 6: "\"ja\""
        case 8: "\"fr\""
        default: "\"tr\""
        }
    }

    static func device(_ index: Int) -> StaticString {
        switch index & 3 {
        case 1: "\"ios\""
        case 2: "\"web\""
        default: "\"android\""
        }
    }
}

/// Writes the separators and keys of one JSON object, compact or with spaces.
struct ObjectWriter {
    let pretty: Bool
    var first = true

    func open(_ value: inout ByteWriter) {
        value.text(pretty ? "{ " : "{")
    }

    @inline(__always)
    mutating func key(_ name: StaticString, _ value: inout ByteWriter) {
        if !first { value.text(pretty ? ", " : ",") }
        first = false
        value.byte(UInt8(ascii: "\""))
        value.text(name)
        value.text(pretty ? "\": " : "\":")
    }

    func close(_ value: inout ByteWriter) {
        value.text(pretty ? " }" : "}")
    }
}
