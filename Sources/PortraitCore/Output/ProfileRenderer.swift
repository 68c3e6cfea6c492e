/// Renders a profile as the CONTRACT §4 JSON record.
enum ProfileRenderer {
    /// - Parameters:
    ///   - at: the time the record is stated at (`as_of`); `nil` = the profile's own `as_of`.
    static func render(
        _ profile: Profile,
        at: Int64? = nil,
        symbols: SymbolTable,
        configuration: EngineConfiguration
    ) -> [UInt8] {
        let asOf = max(at ?? profile.asOf, profile.asOf)
        var json = JSONWriter(capacity: 512)
        json.raw("{")
        json.key("user_id")
        json.string(profile.userId)
        json.raw(",")
        json.key("version")
        json.uint(profile.version)
        json.raw(",")
        json.key("as_of")
        json.int(asOf)
        json.raw(",")
        json.key("half_life_s")
        json.double(configuration.halfLifeSeconds)
        json.raw(",")
        json.key("events")
        json.uint(UInt64(profile.events))
        json.raw(",")
        json.key("interests")
        writeScores(profile, authors: false, asOf: asOf, symbols: symbols, configuration: configuration, into: &json)
        json.raw(",")
        json.key("authors")
        writeScores(profile, authors: true, asOf: asOf, symbols: symbols, configuration: configuration, into: &json)
        json.raw(",")
        json.key("windows")
        json.raw("{")
        for window in 0..<3 {
            if window > 0 { json.raw(",") }
            json.string(WindowCounts.names[window])
            json.raw(":{")
            var first = true
            for (type, count) in zip(EventType.allCases, profile.windows.counts(window: window, asOf: profile.asOf, at: asOf)) where count > 0 {
                if !first { json.raw(",") }
                first = false
                json.string(type.name)
                json.raw(":")
                json.uint(UInt64(count))
            }
            json.raw("}")
        }
        json.raw("},")
        json.key("context")
        json.raw("{")
        var first = true
        for (name, field) in [("country", profile.country), ("device", profile.device), ("lang", profile.lang)]
        where field.value != 0 {
            if !first { json.raw(",") }
            first = false
            json.string(name)
            json.raw(":")
            json.string(symbols.name(field.value))
        }
        json.raw("}}")
        return json.bytes
    }

    private static func writeScores(
        _ profile: Profile,
        authors: Bool,
        asOf: Int64,
        symbols: SymbolTable,
        configuration: EngineConfiguration,
        into json: inout JSONWriter
    ) {
        json.raw("[")
        for (offset, entry) in profile.top(configuration.topN, authors: authors).enumerated() {
            if offset > 0 { json.raw(",") }
            json.raw("{")
            if authors { json.key("author_id") } else { json.key("tag") }
            json.string(symbols.name(entry.symbol))
            json.raw(",")
            json.key("score")
            json.double(profile.score(entry, at: asOf, halfLifeMs: configuration.halfLifeMs))
            json.raw("}")
        }
        json.raw("]")
    }
}
