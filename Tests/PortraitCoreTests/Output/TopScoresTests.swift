import Testing

@testable import PortraitCore

/// `TopScores.append` selects and orders like a full sort: value descending, then key, positive values only.
@Suite struct TopScoresTests {
    @Test(arguments: [0 as UInt64, 1, 2, 3, 4, 5])
    func matchesAFullSort(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var profile = Profile(userId: "u")
        var keys = Set<UInt32>()
        for _ in 0..<Int(random.next() % 120) {
            let symbol = UInt32(1 + random.next() % 500)
            keys.insert(random.next() % 3 == 0 ? symbol | Profile.ScoreEntry.authorFlag : symbol)
        }
        // Few distinct values (ties decided by key), some zero.
        let scores = keys.sorted().map { Profile.ScoreEntry(key: $0, value: Double(random.next() % 6) * 0.5) }
        profile.setRegions(scores: scores, seen: [1, 2], windows: [])
        for n in [0, 1, 5, 20, 200] {
            for authors in [false, true] {
                var expected: [Profile.ScoreEntry] = [Profile.ScoreEntry(key: 7, value: 1)]
                var actual = expected
                expected += profile.scores.filter { $0.isAuthor == authors && $0.value > 0 }
                    .sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
                    .prefix(n)
                withUnsafePointer(to: profile) { TopScores.append(n, authors: authors, of: $0, to: &actual) }
                #expect(actual.map(\.key) == expected.map(\.key), "n \(n) authors \(authors)")
                #expect(actual.map(\.value) == expected.map(\.value))
            }
        }
    }
}
