import Foundation

/// Field-by-field differences between the profiles a run published and the reference, written for a person
/// reading a failed test: which users differ, in which fields, by how much, and how many events were lost or
/// applied twice in total.
struct ProfileDiff: Sendable {
    /// Relative tolerance on scores (CONTRACT §4).
    static let tolerance = 1e-6

    /// user → readable differences, for users that differ.
    let differences: [String: [String]]
    let expectedUsers: Int
    /// Users in the reference with no published profile.
    let missing: [String]
    /// Users with a published profile that the reference does not have.
    let unexpected: [String]
    /// Σ over users of (expected − actual) `events` where positive: events lost.
    let eventsLost: Int
    /// Σ over users of (actual − expected) `events` where positive: events applied more than once.
    let eventsDuplicated: Int

    var isEmpty: Bool { differences.isEmpty && missing.isEmpty && unexpected.isEmpty }

    init(actual: [String: ComparableProfile], expected: [String: ComparableProfile]) {
        var differences: [String: [String]] = [:]
        var lost = 0
        var duplicated = 0
        for (user, reference) in expected {
            guard let profile = actual[user] else {
                lost += reference.events
                continue
            }
            let delta = profile.events - reference.events
            if delta > 0 { duplicated += delta } else { lost -= delta }
            let fields = Self.compare(profile, reference)
            if !fields.isEmpty { differences[user] = fields }
        }
        self.differences = differences
        expectedUsers = expected.count
        missing = expected.keys.filter { actual[$0] == nil }.sorted(by: Self.userOrder)
        unexpected = actual.keys.filter { expected[$0] == nil }.sorted(by: Self.userOrder)
        eventsLost = lost
        eventsDuplicated = duplicated
    }

    /// A summary line and the first `limit` differing users, field by field.
    func report(limit: Int = 5) -> String {
        var lines = [
            "\(differences.count) of \(expectedUsers) users differ from the reference, \(missing.count) missing, "
                + "\(unexpected.count) unexpected; events lost \(eventsLost), applied more than once \(eventsDuplicated)"
        ]
        if !missing.isEmpty { lines.append("missing: \(missing.prefix(10).joined(separator: ", "))") }
        if !unexpected.isEmpty { lines.append("unexpected: \(unexpected.prefix(10).joined(separator: ", "))") }
        for user in differences.keys.sorted(by: Self.userOrder).prefix(limit) {
            lines.append("user \(user):")
            lines += differences[user]!.map { "  " + $0 }
        }
        if differences.count > limit { lines.append("… and \(differences.count - limit) more users") }
        return lines.joined(separator: "\n")
    }

    private static func userOrder(_ a: String, _ b: String) -> Bool {
        a.count != b.count ? a.count < b.count : a < b
    }

    private static func compare(_ actual: ComparableProfile, _ expected: ComparableProfile) -> [String] {
        var lines: [String] = []
        if actual.events != expected.events { lines.append("events: \(actual.events), expected \(expected.events)") }
        if actual.asOf != expected.asOf {
            lines.append("as_of: \(actual.asOf), expected \(expected.asOf) (\(actual.asOf - expected.asOf) ms)")
        }
        if actual.halfLifeSeconds != expected.halfLifeSeconds {
            lines.append("half_life_s: \(actual.halfLifeSeconds), expected \(expected.halfLifeSeconds)")
        }
        lines += compare(actual.interests, expected.interests, name: "interests")
        lines += compare(actual.authors, expected.authors, name: "authors")
        for window in Set(actual.windows.keys).union(expected.windows.keys).sorted() {
            let a = actual.windows[window] ?? [:]
            let e = expected.windows[window] ?? [:]
            if a != e {
                let types = Set(a.keys).union(e.keys).sorted().filter { a[$0] != e[$0] }
                lines.append("windows.\(window): " + types.map { "\($0) \(a[$0] ?? 0) vs \(e[$0] ?? 0)" }.joined(separator: ", "))
            }
        }
        if actual.context != expected.context {
            lines.append("context: \(actual.context.sorted { $0.key < $1.key }), expected \(expected.context.sorted { $0.key < $1.key })")
        }
        return lines
    }

    private static func compare(_ actual: [ComparableProfile.Score], _ expected: [ComparableProfile.Score], name: String)
        -> [String]
    {
        var lines: [String] = []
        let a = Dictionary(actual.map { ($0.key, $0.score) }, uniquingKeysWith: { first, _ in first })
        let e = Dictionary(expected.map { ($0.key, $0.score) }, uniquingKeysWith: { first, _ in first })
        let onlyActual = a.keys.filter { e[$0] == nil }.sorted()
        let onlyExpected = e.keys.filter { a[$0] == nil }.sorted()
        if !onlyActual.isEmpty { lines.append("\(name): unexpected \(onlyActual.prefix(4).map { "\($0)=\(a[$0]!)" })") }
        if !onlyExpected.isEmpty { lines.append("\(name): missing \(onlyExpected.prefix(4).map { "\($0)=\(e[$0]!)" })") }
        let off = e.compactMap { key, value -> (String, Double, Double, Double)? in
            guard let got = a[key] else { return nil }
            let error = abs(got - value) / max(abs(value), .leastNormalMagnitude)
            return error > tolerance ? (key, got, value, error) : nil
        }.sorted { $0.3 > $1.3 }
        if !off.isEmpty {
            let shown = off.prefix(3).map { "\($0.0) \($0.1) vs \($0.2) (rel \(String(format: "%.2g", $0.3)))" }
            lines.append("\(name): \(off.count) scores off: " + shown.joined(separator: "; "))
        }
        let scores = actual.map(\.score)
        if scores != scores.sorted(by: >) { lines.append("\(name): not highest first") }
        return lines
    }
}
