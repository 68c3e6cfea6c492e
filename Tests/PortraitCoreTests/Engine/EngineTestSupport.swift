import Foundation
import Synchronization
import Testing

@testable import PortraitCore

/// Collects everything the engine hands to its sink.
final class CollectingSink: EmissionSink {
    struct Recorded {
        var rounds: [EmissionRound] = []
        var backpressure: [Bool] = []
        var evicted: [(userId: String, partition: Int32, state: [UInt8])] = []
    }

    let recorded = Mutex(Recorded())

    func emit(_ round: EmissionRound) { recorded.withLock { $0.rounds.append(round) } }
    func backpressureChanged(overHighWater: Bool) { recorded.withLock { $0.backpressure.append(overHighWater) } }
    func evicted(userId: String, partition: Int32, state: [UInt8]) {
        recorded.withLock { $0.evicted.append((userId, partition, state)) }
    }

    var rounds: [EmissionRound] { recorded.withLock { $0.rounds } }
    var emissions: [Emission] { rounds.flatMap(\.emissions) }
    var tokens: [UInt64] { rounds.flatMap(\.tokens) }
    var backpressure: [Bool] { recorded.withLock { $0.backpressure } }
    var evictedUsers: [String] { recorded.withLock { $0.evicted.map(\.userId) } }
}

enum EngineFixture {
    /// A configuration whose timer never fires during a test: rounds come from `flush`.
    static func configuration(shards: Int = 1, _ adjust: (inout EngineConfiguration) -> Void = { _ in })
        -> EngineConfiguration
    {
        var configuration = EngineConfiguration()
        configuration.shardCount = shards
        configuration.emitIntervalMs = 3_600_000
        adjust(&configuration)
        return configuration
    }

    static func engine(_ configuration: EngineConfiguration, catalog: ItemCatalog? = nil) -> (ProfileEngine, CollectingSink) {
        let sink = CollectingSink()
        let engine = ProfileEngine(
            configuration: configuration, catalog: catalog ?? ItemCatalog(configuration: configuration), sink: sink,
            clock: { 1_733_000_000_000 })
        return (engine, sink)
    }

    static func fixture(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func workedExample() throws -> [Interaction] {
        try fixture("worked-example.interactions.jsonl").split(separator: "\n").map {
            try #require(InteractionDecoder().decode(String($0), nowMs: 1_733_000_000_000).value)
        }
    }

    static func json(_ bytes: ArraySlice<UInt8>) throws -> [String: Any] {
        try json(Array(bytes))
    }

    static func json(_ bytes: [UInt8]?) throws -> [String: Any] {
        let bytes = try #require(bytes)
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    /// `name → score` of a profile's `interests` or `authors`.
    static func scores(_ profile: [String: Any], _ list: String, key: String) -> [String: Double] {
        var result: [String: Double] = [:]
        for entry in profile[list] as? [[String: Any]] ?? [] {
            result[entry[key] as! String] = (entry["score"] as! NSNumber).doubleValue
        }
        return result
    }

    static func event(
        _ user: String, _ item: String, _ type: EventType, _ ts: Int64, tags: [String]? = nil, author: String? = nil
    ) -> PositionedInteraction {
        PositionedInteraction(event: Interaction(userId: user, itemId: item, type: type, timestamp: ts, tags: tags, authorId: author))
    }

    static func close(_ lhs: Double, _ rhs: Double, relative: Double = 1e-6) -> Bool {
        abs(lhs - rhs) <= relative * max(abs(lhs), abs(rhs), 1e-12)
    }
}
