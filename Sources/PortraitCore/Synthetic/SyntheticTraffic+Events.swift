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

    func write(_ draft: Draft, to value: inout [UInt8]) {
        var writer = ObjectWriter(pretty: draft.pretty)
        writer.open(&value)
        switch draft.layout {
        case 0:
            writeIdentity(draft, &writer, &value)
            writeMedia(draft, &writer, &value)
            writeContext(draft, &writer, &value)
            writeExtras(draft, &writer, &value)
        case 1:
            writeContext(draft, &writer, &value)
            writeIdentity(draft, &writer, &value)
            writeMedia(draft, &writer, &value)
            writeExtras(draft, &writer, &value)
        default:
            writeExtras(draft, &writer, &value)
            writeMedia(draft, &writer, &value)
            writeIdentity(draft, &writer, &value)
            writeContext(draft, &writer, &value)
        }
        writer.close(&value)
    }

    private func writeIdentity(_ draft: Draft, _ writer: inout ObjectWriter, _ value: inout [UInt8]) {
        writer.key("user_id", &value)
        // An occasional escaped spelling of the same id exercises the decoder's unescaping.
        Self.append(draft.escapeUserId ? "\"\\u0075" : "\"u", to: &value)
        Self.appendDecimal(Int64(draft.user), to: &value)
        value.append(UInt8(ascii: "\""))
        writer.key("item_id", &value)
        Self.append("\"v", to: &value)
        Self.appendDecimal(Int64(draft.item), to: &value)
        value.append(UInt8(ascii: "\""))
        writer.key("type", &value)
        switch draft.type {
        case .view: Self.append("\"view\"", to: &value)
        case .like: Self.append("\"like\"", to: &value)
        case .comment: Self.append("\"comment\"", to: &value)
        case .share: Self.append("\"share\"", to: &value)
        case .follow: Self.append("\"follow\"", to: &value)
        case .skip: Self.append("\"skip\"", to: &value)
        case .notInterested: Self.append("\"not_interested\"", to: &value)
        }
        writer.key("ts", &value)
        Self.appendDecimal(draft.ts, to: &value)
    }

    private func writeMedia(_ draft: Draft, _ writer: inout ObjectWriter, _ value: inout [UInt8]) {
        if let watchMs = draft.watchMs {
            writer.key("watch_ms", &value)
            Self.appendDecimal(watchMs, to: &value)
        }
        if draft.includeDuration {
            writer.key("duration_ms", &value)
            Self.appendDecimal(Int64(itemDuration[draft.item]), to: &value)
        }
        if draft.includeTags {
            writer.key("tags", &value)
            value.append(UInt8(ascii: "["))
            for slot in 0..<4 {
                let tag = itemTags[draft.item * 4 + slot]
                if tag < 0 { break }
                if slot > 0 { Self.append(draft.pretty ? ", " : ",", to: &value) }
                appendQuotedTag(Int(tag), to: &value)
            }
            value.append(UInt8(ascii: "]"))
        }
        if draft.includeAuthor {
            writer.key("author_id", &value)
            Self.append("\"a", to: &value)
            Self.appendDecimal(Int64(itemAuthor[draft.item]), to: &value)
            value.append(UInt8(ascii: "\""))
        }
    }

    private func writeContext(_ draft: Draft, _ writer: inout ObjectWriter, _ value: inout [UInt8]) {
        let profile = Self.contextIndex(user: draft.user, seed: options.seed)
        let country = profile % Self.countries.count
        if draft.includeCountry {
            writer.key("country", &value)
            Self.append(Self.countries[country], to: &value)
        }
        if draft.includeDevice {
            writer.key("device", &value)
            Self.append(Self.devices[(profile / 16) % Self.devices.count], to: &value)
        }
        if draft.includeLang {
            writer.key("lang", &value)
            Self.append(Self.languages[country], to: &value)
        }
    }

    private func writeExtras(_ draft: Draft, _ writer: inout ObjectWriter, _ value: inout [UInt8]) {
        if draft.includeEventId {
            writer.key("event_id", &value)
            Self.append("\"e-", to: &value)
            Self.appendDecimal(Int64(draft.sequence), to: &value)
            value.append(UInt8(ascii: "\""))
        }
        if draft.includeUnknown {
            writer.key("client", &value)
            Self.append("{\"app\":\"4.2.1\",\"ab\":[7,-1.5e3,true,null],\"note\":\"caf\\u00e9 \\ud83c\\udfb5\"}", to: &value)
        }
    }

    static func contextIndex(user: Int, seed: UInt64) -> Int {
        var mixer = SplitMix64(seed: seed ^ (UInt64(user) &* 0x9E37_79B9_7F4A_7C15))
        return Int(truncatingIfNeeded: mixer.next() >> 8)
    }

    static let countries: [StaticString] = [
        "\"US\"", "\"BR\"", "\"IN\"", "\"ID\"", "\"MX\"", "\"DE\"", "\"JP\"", "\"GB\"", "\"FR\"", "\"TR\"",
    ]
    static let languages: [StaticString] = [
        "\"en\"", "\"pt\"", "\"hi\"", "\"id\"", "\"es\"", "\"de\"", "\"ja\"", "\"en\"", "\"fr\"", "\"tr\"",
    ]
    static let devices: [StaticString] = ["\"android\"", "\"ios\"", "\"web\"", "\"android\""]
}

/// Writes the separators and keys of one JSON object, compact or with spaces.
struct ObjectWriter {
    let pretty: Bool
    var first = true

    func open(_ value: inout [UInt8]) {
        SyntheticTraffic.append(pretty ? "{ " : "{", to: &value)
    }

    mutating func key(_ name: StaticString, _ value: inout [UInt8]) {
        if !first { SyntheticTraffic.append(pretty ? ", " : ",", to: &value) }
        first = false
        value.append(UInt8(ascii: "\""))
        SyntheticTraffic.append(name, to: &value)
        SyntheticTraffic.append(pretty ? "\": " : "\":", to: &value)
    }

    func close(_ value: inout [UInt8]) {
        SyntheticTraffic.append(pretty ? " }" : "}", to: &value)
    }
}
