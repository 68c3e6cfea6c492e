import Testing

@testable import PortraitCore

@Suite struct EventWeightsTests {
    @Test func defaultsMatchTheContract() {
        let weights = EventWeights.default
        #expect(EventType.allCases.map { weights[$0] } == [1, 3, 4, 5, 6, -1, -5])
    }

    @Test func parsingOverridesOnlyTheNamedTypes() throws {
        let weights = try EventWeights(parsing: "like=2.5, skip=-2,not_interested=-10")
        #expect(weights[.like] == 2.5)
        #expect(weights[.skip] == -2)
        #expect(weights[.notInterested] == -10)
        #expect(weights[.share] == 5)
    }

    @Test func badEntriesAreErrors() {
        for text in ["like", "like=abc", "poke=1", "like=nan", "=3"] {
            #expect(throws: EventWeightsError.self, "\(text)") { try EventWeights(parsing: text) }
        }
    }
}
