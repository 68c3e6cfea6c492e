import Foundation
import Testing

@testable import PortraitCore

@Suite struct SyntheticTrafficTests {
    static let small = SyntheticTraffic.Options(users: 1_000, tags: 200, authors: 50, items: 2_000, seed: 7)

    @Test func sameSeedGivesSameBytes() {
        var first = SyntheticTraffic(options: Self.small)
        var second = SyntheticTraffic(options: Self.small)
        for _ in 0..<2_000 {
            let a = first.nextEvent()
            let b = second.nextEvent()
            #expect(a.key == b.key)
            #expect(a.value == b.value)
        }
        var other = SyntheticTraffic(options: .init(users: 1_000, tags: 200, authors: 50, items: 2_000, seed: 8))
        var differing = 0
        var again = SyntheticTraffic(options: Self.small)
        for _ in 0..<100 where other.nextEvent().value != again.nextEvent().value { differing += 1 }
        #expect(differing > 90)
    }

    @Test func keyBytesMatchKeyString() {
        var byBytes = SyntheticTraffic(options: Self.small)
        var byString = SyntheticTraffic(options: Self.small)
        for _ in 0..<500 {
            var value: [UInt8] = []
            var key: [UInt8] = []
            byBytes.appendEvent(value: &value, key: &key)
            let (keyString, valueBytes) = byString.nextEvent()
            #expect(String(decoding: key, as: UTF8.self) == keyString)
            #expect(value == valueBytes)
        }
    }

    @Test func eventsAreValidJSONWithTheContractFields() throws {
        var traffic = SyntheticTraffic(options: Self.small)
        var sizes = 0
        var withTags = 0
        let count = 3_000
        for _ in 0..<count {
            let (key, value) = traffic.nextEvent()
            sizes += value.count
            let object = try #require(try JSONSerialization.jsonObject(with: Data(value)) as? [String: Any])
            #expect(object["user_id"] as? String == key)
            #expect(object["item_id"] is String)
            #expect(EventType(name: object["type"] as? String ?? "") != nil)
            #expect(object["ts"] is NSNumber)
            if object["tags"] != nil { withTags += 1 }
        }
        let average = sizes / count
        #expect((120...260).contains(average), "average event size \(average)")
        #expect(withTags > count * 3 / 4 && withTags < count)
    }

    @Test func everyEventDecodesAsAccepted() throws {
        var traffic = SyntheticTraffic(options: Self.small)
        let decoder = InteractionDecoder()
        var catalogFallbacks = 0
        for _ in 0..<20_000 {
            let (key, value) = traffic.nextEvent()
            let event = try #require(decoder.decode(value, nowMs: traffic.currentEventTimeMs).value)
            #expect(event.userId == key)
            if event.tags == nil { catalogFallbacks += 1 }
        }
        #expect(catalogFallbacks > 1_000 && catalogFallbacks < 6_000)
        for index in 0..<Self.small.items {
            #expect(CatalogItemDecoder().decode(traffic.catalogRecord(item: index)).value == traffic.catalogItem(index))
        }
    }

    @Test func activityFollowsZipf() {
        var traffic = SyntheticTraffic(options: Self.small)
        var counts = [String: Int]()
        for _ in 0..<50_000 { counts[traffic.nextEvent().key, default: 0] += 1 }
        let top = counts["u0", default: 0]
        let tenth = counts["u9", default: 0]
        // Zipf with exponent 1: u0 is about ten times as active as u9, and far above the mean.
        #expect(top > 4 * tenth)
        #expect(top > 20 * (50_000 / 1_000))
        #expect(abs(Double(top) / 50_000 - traffic.activityShare(ofUser: 0)) < 0.01)
    }

    @Test(arguments: [(7, 1.0), (50, 1.2), (1_000, 0.8)])
    func zipfSamplesFollowTheirProbabilities(count: Int, exponent: Double) {
        let zipf = ZipfDistribution(count: count, exponent: exponent)
        var rng = SplitMix64(seed: 99)
        var hits = [Int](repeating: 0, count: count)
        let draws = 400_000
        for _ in 0..<draws { hits[zipf.sample(using: &rng)] += 1 }
        let distance =
            (0..<count).reduce(0.0) { $0 + abs(Double(hits[$1]) / Double(draws) - zipf.probability(of: $1)) } / 2
        #expect(distance < 0.02, "total variation distance \(distance)")
        #expect(abs(Double(hits[0]) / Double(draws) - zipf.probability(of: 0)) < 0.005)
        #expect(hits[0] > hits[count - 1])
        #expect(abs((0..<count).reduce(0.0) { $0 + zipf.probability(of: $1) } - 1) < 1e-9)
    }

    @Test func catalogRecordsMatchCatalogItems() throws {
        let traffic = SyntheticTraffic(options: Self.small)
        for index in [0, 1, 17, 1_999] {
            let item = traffic.catalogItem(index)
            #expect((1...4).contains(item.tags.count))
            #expect(Set(item.tags).count == item.tags.count)
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(traffic.catalogRecord(item: index))) as? [String: Any]
            )
            #expect(object["item_id"] as? String == item.itemId)
            #expect(object["tags"] as? [String] == item.tags)
            #expect(object["author_id"] as? String == item.authorId)
            #expect((object["duration_ms"] as? NSNumber)?.int64Value == item.durationMs)
        }
    }

    @Test func eventTimeAdvancesAtTheConfiguredRate() throws {
        var options = Self.small
        options.eventTimeStepMs = 2.5
        options.lateShare = 0
        var traffic = SyntheticTraffic(options: options)
        var last: Int64 = 0
        for _ in 0..<400 {
            let value = traffic.nextEvent().value
            let object = try #require(try JSONSerialization.jsonObject(with: Data(value)) as? [String: Any])
            last = try #require((object["ts"] as? NSNumber)?.int64Value)
        }
        #expect(last == options.startMs + 997)
        #expect(traffic.currentEventTimeMs == last)
    }
}
