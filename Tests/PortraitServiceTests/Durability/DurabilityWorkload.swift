import Foundation

/// A seeded stream of interaction events for the durability tests: many users keyed by `user_id`, every event
/// carrying `tags` and `author_id` (so no catalog is involved), all seven types, views with watch and duration,
/// optional context, timestamps spread over three days before now and about one in eight out of order.
///
/// Timestamps are unique across the whole workload, so that "the newest event that carries a context field" is
/// never a tie and the final profile does not depend on arrival order.
struct DurabilityWorkload: Sendable {
    struct Event: Sendable {
        var userId: String
        var json: String
    }

    let seed: UInt64
    let users: Int
    let events: [Event]

    /// Users whose ids appear in the workload (at least one event each).
    var userIds: Set<String> { Set(events.map(\.userId)) }

    init(seed: UInt64, events count: Int = 100_000, users: Int = 500, nowMs: Int64 = Self.wallClockMs) {
        self.seed = seed
        self.users = users
        var random = SeededRandom(seed: seed)
        let span: Int64 = 3 * 86_400_000
        let start = nowMs - span - 3_600_000
        let tags = ["cooking", "pets", "travel", "music", "dance", "comedy", "news", "sports", "gaming", "fashion",
                    "science", "cars", "diy", "fitness", "books", "art"]
        let countries = ["BR", "US", "DE", "IN", "JP"]
        let devices = ["android", "ios", "web"]
        let languages = ["pt", "en", "de", "hi", "ja"]
        // Cumulative weights of view, like, comment, share, follow, skip, not_interested.
        let types: [(String, Int)] = [("view", 55), ("like", 67), ("comment", 72), ("share", 76), ("follow", 78),
                                      ("skip", 96), ("not_interested", 100)]
        var used = Set<Int64>(minimumCapacity: count)
        var events: [Event] = []
        events.reserveCapacity(count)
        for index in 0..<count {
            // The first `users` events give every user at least one event; then a mild skew towards low ids.
            let user = index < users ? index : min(users - 1, Int(Double(users) * pow(random.unit(), 1.4)))
            var ts = start + Int64(index) * span / Int64(count)
            if random.below(8) == 0 { ts -= Int64(random.below(6 * 3_600_000)) }
            while !used.insert(ts).inserted { ts += 1 }
            let item = random.below(3_000)
            let roll = random.below(100)
            let type = types.first { roll < $0.1 }!.0
            var fields = [
                #""user_id":"u\#(user)""#, #""item_id":"v\#(item)""#, #""type":"\#(type)""#, #""ts":\#(ts)"#,
            ]
            if type == "view", random.below(4) != 0 {
                let duration = 5_000 + random.below(55_000)
                fields.append(#""watch_ms":\#(random.below(duration * 13 / 10))"#)
                fields.append(#""duration_ms":\#(duration)"#)
            }
            // An item's tags and author are fixed by the item, as a catalog would have them.
            let itemTags = (0...(item % 3)).map { tags[(item * 7 + $0 * 5) % tags.count] }
            fields.append(#""tags":[\#(itemTags.map { "\"\($0)\"" }.joined(separator: ","))]"#)
            fields.append(#""author_id":"a\#((item * 11) % 14)""#)
            if random.below(4) == 0 { fields.append(#""country":"\#(countries[random.below(countries.count)])""#) }
            if random.below(4) == 0 { fields.append(#""device":"\#(devices[random.below(devices.count)])""#) }
            if random.below(4) == 0 { fields.append(#""lang":"\#(languages[random.below(languages.count)])""#) }
            fields.append(#""event_id":"e\#(index)""#)
            events.append(Event(userId: "u\(user)", json: "{" + fields.joined(separator: ",") + "}"))
        }
        // Shuffle lightly within runs of 64 so arrival order is not time order even within a user.
        for base in stride(from: 0, to: events.count, by: 64) {
            let end = min(events.count, base + 64)
            for index in base..<end {
                events.swapAt(index, base + random.below(end - base))
            }
        }
        self.events = events
    }

    static var wallClockMs: Int64 { Int64(Date().timeIntervalSince1970 * 1_000) }
}
