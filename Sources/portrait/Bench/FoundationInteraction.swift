import Foundation
import PortraitCore

/// The contract's interaction fields as a `Codable` struct: the obvious Foundation decoder the benchmark compares with.
struct FoundationInteraction: Decodable {
    var user_id: String
    var item_id: String
    var type: String
    var ts: Int64
    var watch_ms: Int64?
    var duration_ms: Int64?
    var tags: [String]?
    var author_id: String?
    var country: String?
    var device: String?
    var lang: String?
    var event_id: String?

    /// Decodes with `JSONDecoder` and applies the contract's rules; `nil` when rejected (the reason is not kept).
    static func decode(_ data: Data, with decoder: JSONDecoder, nowMs: Int64) -> Interaction? {
        guard data.count <= 65_536, let raw = try? decoder.decode(Self.self, from: data) else { return nil }
        func within(_ value: String?, _ bytes: ClosedRange<Int>) -> Bool {
            value.map { bytes.contains($0.utf8.count) } ?? true
        }
        guard within(raw.user_id, 1...256), within(raw.item_id, 1...256), let type = EventType(name: raw.type),
            raw.ts >= 946_684_800_000, raw.ts <= nowMs + 3_600_000, (raw.watch_ms ?? 0) >= 0,
            (raw.duration_ms ?? 1) > 0, (raw.tags?.count ?? 0) <= 64,
            raw.tags?.allSatisfy({ within($0, 1...256) }) ?? true, within(raw.author_id, 1...256),
            within(raw.country, 0...256), within(raw.device, 0...256), within(raw.lang, 0...256),
            within(raw.event_id, 0...256)
        else { return nil }
        return Interaction(
            userId: raw.user_id,
            itemId: raw.item_id,
            type: type,
            timestamp: raw.ts,
            watchMs: raw.watch_ms,
            durationMs: raw.duration_ms,
            tags: raw.tags,
            authorId: raw.author_id,
            country: raw.country,
            device: raw.device,
            lang: raw.lang,
            eventId: raw.event_id
        )
    }
}
