import Foundation
import Testing

/// Compares a profile record with an expected one per CONTRACT §4: scores to 1e-6 relative, ties in any order.
enum ProfileComparison {
    static func expectEqual(
        _ actual: [String: Any],
        _ expected: [String: Any],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for key in ["user_id", "as_of", "events"] {
            #expect("\(actual[key] ?? "nil")" == "\(expected[key] ?? "nil")", "\(key)", sourceLocation: sourceLocation)
        }
        #expect((actual["half_life_s"] as? NSNumber)?.doubleValue == (expected["half_life_s"] as? NSNumber)?.doubleValue,
                sourceLocation: sourceLocation)
        expectScores(actual["interests"], expected["interests"], name: "tag", sourceLocation: sourceLocation)
        expectScores(actual["authors"], expected["authors"], name: "author_id", sourceLocation: sourceLocation)
        #expect(counts(actual["windows"]) == counts(expected["windows"]), "windows", sourceLocation: sourceLocation)
        #expect((actual["context"] as? [String: String]) == (expected["context"] as? [String: String]), "context",
                sourceLocation: sourceLocation)
    }

    private static func scores(_ value: Any?, name: String) -> [String: Double] {
        var result: [String: Double] = [:]
        for entry in value as? [[String: Any]] ?? [] {
            if let key = entry[name] as? String, let score = (entry["score"] as? NSNumber)?.doubleValue { result[key] = score }
        }
        return result
    }

    private static func expectScores(_ actual: Any?, _ expected: Any?, name: String, sourceLocation: SourceLocation) {
        let a = scores(actual, name: name)
        let e = scores(expected, name: name)
        #expect(Set(a.keys) == Set(e.keys), "\(name)s", sourceLocation: sourceLocation)
        for (key, value) in e {
            let got = a[key] ?? .nan
            #expect(abs(got - value) <= 1e-6 * abs(value), "\(name) \(key): \(got) vs \(value)", sourceLocation: sourceLocation)
        }
        let order = (actual as? [[String: Any]] ?? []).compactMap { ($0["score"] as? NSNumber)?.doubleValue }
        #expect(order == order.sorted(by: >), "\(name)s highest first", sourceLocation: sourceLocation)
    }

    private static func counts(_ value: Any?) -> [String: [String: Int]] {
        var result: [String: [String: Int]] = [:]
        for (window, byType) in value as? [String: Any] ?? [:] {
            result[window] = (byType as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.intValue }.filter { $0.value > 0 }
        }
        return result
    }
}
