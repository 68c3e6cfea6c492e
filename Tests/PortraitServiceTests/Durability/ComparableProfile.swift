import Foundation

/// A profile record (CONTRACT §4) parsed into plain values, for comparing a daemon's output with the reference.
struct ComparableProfile: Sendable {
    struct Score: Sendable {
        var key: String
        var score: Double
    }

    struct ParseError: Error, CustomStringConvertible {
        var text: String
        var description: String { "not a profile record: \(text.prefix(200))" }
    }

    var userId: String
    var version: Int64
    var asOf: Int64
    var halfLifeSeconds: Double
    var events: Int
    /// In the record's order (highest first, if the record is right).
    var interests: [Score]
    var authors: [Score]
    /// window → type → count, zero counts left out.
    var windows: [String: [String: Int]]
    var context: [String: String]

    init(json bytes: [UInt8]) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            let userId = object["user_id"] as? String
        else { throw ParseError(text: String(decoding: bytes, as: UTF8.self)) }
        func number(_ key: String) -> NSNumber? { object[key] as? NSNumber }
        self.userId = userId
        version = number("version")?.int64Value ?? -1
        asOf = number("as_of")?.int64Value ?? -1
        halfLifeSeconds = number("half_life_s")?.doubleValue ?? .nan
        events = number("events")?.intValue ?? -1
        interests = Self.scores(object["interests"], key: "tag")
        authors = Self.scores(object["authors"], key: "author_id")
        var windows: [String: [String: Int]] = [:]
        for (window, byType) in object["windows"] as? [String: Any] ?? [:] {
            let counts = (byType as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.intValue }
            windows[window] = counts.filter { $0.value != 0 }
        }
        self.windows = windows.filter { !$0.value.isEmpty }
        context = (object["context"] as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
    }

    private static func scores(_ value: Any?, key: String) -> [Score] {
        (value as? [[String: Any]] ?? []).compactMap { entry in
            guard let name = entry[key] as? String, let score = (entry["score"] as? NSNumber)?.doubleValue else {
                return nil
            }
            return Score(key: name, score: score)
        }
    }
}
