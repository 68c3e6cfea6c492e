import Testing

@testable import PortraitCore

/// `Emission.state`: the full state of the emitted version, byte for byte what `ProfileStateCodec` encodes.
@Suite struct EmissionStateTests {
    static let t0: Int64 = 1_732_000_000_000

    @Test func stateEqualsTheCodecEncodingOfTheEmittedVersion() async throws {
        let (engine, sink) = EngineFixture.engine(EngineFixture.configuration())
        var events: [PositionedInteraction] = []
        for index in 0..<40 {
            var event = EngineFixture.event(
                "u\"1", "item\(index % 25)", EventType.allCases[index % 7], Self.t0 + Int64(index) * 3_600_000,
                tags: ["t\(index % 9)", "ü\(index % 4)"], author: index % 3 == 0 ? nil : "a\(index % 5)")
            event.event.country = index % 2 == 0 ? "BR" : "PT"
            event.event.lang = "pt\n"
            event.position = InputPosition(partition: Int32(index % 3), offset: Int64(100 + index))
            events.append(event)
        }
        engine.submit(events, token: 1)
        await engine.flush(partitions: nil)
        let emission = try #require(sink.emissions.last)
        let expected = try #require(await engine.encodedState(userId: "u\"1"))
        #expect(emission.state == expected)
        let decoded = try ProfileStateCodec().decode(emission.state)
        #expect(decoded.version == emission.version)
        #expect(decoded.events == 40)
        #expect(!decoded.notInterestedItems.isEmpty && !decoded.notInterestedAuthors.isEmpty)
        #expect(decoded.offsets.count == 3)
    }

    @Test func everyEmissionCarriesItsOwnVersion() async throws {
        let (engine, sink) = EngineFixture.engine(EngineFixture.configuration())
        for round in 0..<3 {
            engine.submit([EngineFixture.event("u", "v\(round)", .like, Self.t0 + Int64(round), tags: ["x"])], token: 1)
            await engine.flush(partitions: nil)
        }
        let versions = try sink.emissions.map { try ProfileStateCodec().decode($0.state).version }
        #expect(versions == [1, 2, 3])
        #expect(sink.emissions.map(\.version) == [1, 2, 3])
    }
}
