import Testing

@testable import PortraitCore

/// `RecommenderScratch.selectBest` (bounded heap) must give exactly the order the full heap pops.
@Suite struct RecommenderSelectionTests {
    /// Random keys with many tied scores and interests, so the name tie-break decides often.
    @Test(arguments: [0 as UInt64, 1, 2, 3, 4, 5, 6, 7])
    func boundedSelectionMatchesFullHeap(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let count = 40 + Int(random.next() % 160)
        let wanted = 1 + Int(random.next() % 30)
        let scratch = RecommenderScratch(candidates: count)
        var names = SymbolNames()
        for index in 0..<count {
            let item = UInt32(index + 1)
            names.add(item, name: "v\(random.next() % 1_000)-\(index)")
            let interest = Double(random.next() % 3)
            scratch.candidates[index] = RecommenderScratch.Candidate(
                item: item, author: 0, bestTag: 0, excluded: false, popularity: 1, interest: interest,
                bestInterest: interest)
            scratch.keys[index] = RecommenderScratch.Key(score: Double(random.next() % 5), index: Int32(index))
        }
        let original = (0..<count).map { scratch.keys[$0] }

        scratch.buildHeap(count: count, names: names)
        var remaining = count
        var expected: [Int] = []
        while expected.count < wanted, let index = scratch.popBest(count: &remaining, names: names) {
            expected.append(index)
        }

        for index in 0..<count { scratch.keys[index] = original[index] }
        scratch.selectBest(wanted, count: count, names: names)
        let selected = (0..<min(wanted, count)).map { Int(scratch.keys[$0].index) }
        #expect(selected == expected)
        // Every key is still there (the fallback to the full heap relies on it).
        #expect((0..<count).map { Int(scratch.keys[$0].index) }.sorted() == Array(0..<count))
    }
}
