/// Renders a profile as the CONTRACT §4 JSON record.
enum ProfileRenderer {
    /// Writes the record of `profile` stated at `asOf` (≥ its own `as_of`).
    ///
    /// - Parameters:
    ///   - tags: the profile's top tags (`Profile.top`), best first; the first `topN` are written.
    ///   - authors: its top `topN` authors, best first.
    ///   - names: must know every tag, author and context value written.
    static func render(
        _ profile: UnsafePointer<Profile>,
        at asOf: Int64,
        tags: ArraySlice<Profile.ScoreEntry>,
        authors: ArraySlice<Profile.ScoreEntry>,
        names: SymbolNames,
        configuration: EngineConfiguration,
        into json: inout JSONWriter
    ) {
        let factor = Decay.factor(from: profile.pointee.reference, to: asOf, halfLifeMs: configuration.halfLifeMs)
        json.raw("{\"user_id\":")
        json.string(profile.pointee.userId)
        json.raw(",\"version\":")
        json.uint(profile.pointee.version)
        json.raw(",\"as_of\":")
        json.int(asOf)
        json.raw(",\"half_life_s\":")
        json.double(configuration.halfLifeSeconds)
        json.raw(",\"events\":")
        json.uint(UInt64(profile.pointee.events))
        json.raw(",\"interests\":[")
        for (offset, entry) in tags.prefix(configuration.topN).enumerated() {
            json.raw(offset == 0 ? "{\"tag\":" : ",{\"tag\":")
            names.write(entry.symbol, into: &json)
            json.raw(",\"score\":")
            json.double(entry.value * factor)
            json.byte(UInt8(ascii: "}"))
        }
        json.raw("],\"authors\":[")
        for (offset, entry) in authors.enumerated() {
            json.raw(offset == 0 ? "{\"author_id\":" : ",{\"author_id\":")
            names.write(entry.symbol, into: &json)
            json.raw(",\"score\":")
            json.double(entry.value * factor)
            json.byte(UInt8(ascii: "}"))
        }
        json.raw("],\"windows\":{")
        // All three windows in one pass into 24 stack slots (window × 8 + type), no array per window.
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 24) { counts in
            counts.initialize(repeating: 0)
            let profileAsOf = profile.pointee.asOf
            profile.withWindowEntries { WindowCounts.addCounts($0, asOf: profileAsOf, at: asOf, into: counts.baseAddress!) }
            for window in 0..<3 {
                json.raw(window == 0 ? "\"1h\":{" : window == 1 ? ",\"24h\":{" : ",\"7d\":{")
                var first = true
                for index in 0..<Self.typeNames.count {
                    let count = counts[window * 8 + index]
                    guard count > 0 else { continue }
                    if !first { json.byte(UInt8(ascii: ",")) }
                    first = false
                    json.byte(UInt8(ascii: "\""))
                    json.raw(Self.typeNames[index])
                    json.raw("\":")
                    json.uint(UInt64(count))
                }
                json.byte(UInt8(ascii: "}"))
            }
        }
        json.raw("},\"context\":{")
        var first = true
        writeContext(profile.pointee.countryValue, "\"country\":", first: &first, names: names, into: &json)
        writeContext(profile.pointee.deviceValue, "\"device\":", first: &first, names: names, into: &json)
        writeContext(profile.pointee.langValue, "\"lang\":", first: &first, names: names, into: &json)
        json.raw("}}")
    }

    private static func writeContext(
        _ value: UInt32, _ key: StaticString, first: inout Bool, names: SymbolNames, into json: inout JSONWriter
    ) {
        guard value != 0 else { return }
        if !first { json.byte(UInt8(ascii: ",")) }
        first = false
        json.raw(key)
        names.write(value, into: &json)
    }

    /// `EventType.name` of each raw value, as static strings.
    private static let typeNames: [StaticString] = EventType.allCases.map { staticName($0) }

    private static func staticName(_ type: EventType) -> StaticString {
        switch type {
        case .view: "view"
        case .like: "like"
        case .comment: "comment"
        case .share: "share"
        case .follow: "follow"
        case .skip: "skip"
        case .notInterested: "not_interested"
        }
    }
}
