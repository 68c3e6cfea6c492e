import Foundation
import Testing

@testable import PortraitCore

/// The contract's own examples: every bad record gets its code, the worked example decodes exactly.
@Suite struct ContractExamplesTests {
    static let nowMs: Int64 = 1_733_000_000_000
    let decoder = InteractionDecoder()

    static func fixture(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func badRecords() throws -> [(value: [UInt8], code: String)] {
        try fixture("bad-records.txt").split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let tab = line.lastIndex(of: "\t") else { return nil }
            let value = String(line[..<tab])
            let code = String(line[line.index(after: tab)...])
            if value == "<70KiB>" {
                var big = Array(#"{"user_id":"u1","item_id":"v1","type":"like","ts":1732896000000,"pad":""#.utf8)
                big += [UInt8](repeating: UInt8(ascii: "x"), count: 70 * 1024)
                big += Array(#""}"#.utf8)
                return (big, code)
            }
            return (Array(value.utf8), code)
        }
    }

    @Test func everyBadRecordGetsItsCode() throws {
        let records = try Self.badRecords()
        #expect(records.count == 10)
        for record in records {
            let reason = decoder.decode(record.value, nowMs: Self.nowMs).rejectReason
            #expect(reason?.code == record.code, "\(String(decoding: record.value.prefix(80), as: UTF8.self))")
        }
    }

    @Test func workedExampleDecodesExactly() throws {
        let lines = try Self.fixture("worked-example.interactions.jsonl").split(separator: "\n")
        let decoded = lines.map { decoder.decode(String($0), nowMs: Self.nowMs) }
        #expect(decoded.count == 6)
        #expect(
            decoded[0]
                == .accepted(
                    Interaction(
                        userId: "alice",
                        itemId: "v1",
                        type: .like,
                        timestamp: 1_732_896_000_000,
                        tags: ["cooking", "asmr"],
                        authorId: "chef_lee",
                        country: "BR",
                        device: "android",
                        lang: "pt"
                    )
                )
        )
        #expect(
            decoded[1]
                == .accepted(
                    Interaction(
                        userId: "alice",
                        itemId: "v2",
                        type: .view,
                        timestamp: 1_732_896_060_000,
                        watchMs: 9_000,
                        durationMs: 12_000,
                        tags: ["cooking"],
                        authorId: "chef_lee"
                    )
                )
        )
        #expect(
            decoded[2]
                == .accepted(
                    Interaction(
                        userId: "alice",
                        itemId: "v3",
                        type: .skip,
                        timestamp: 1_732_896_120_000,
                        tags: ["gaming"],
                        authorId: "gg_pro"
                    )
                )
        )
        #expect(
            decoded[3]
                == .accepted(
                    Interaction(
                        userId: "alice",
                        itemId: "v4",
                        type: .share,
                        timestamp: 1_732_986_000_000,
                        tags: ["pets", "cats"],
                        authorId: "meow"
                    )
                )
        )
        #expect(
            decoded[4]
                == .accepted(
                    Interaction(
                        userId: "alice",
                        itemId: "v5",
                        type: .notInterested,
                        timestamp: 1_732_986_001_000,
                        tags: ["gaming"],
                        authorId: "gg_pro",
                        device: "ios"
                    )
                )
        )
        #expect(
            decoded[5]
                == .accepted(
                    Interaction(
                        userId: "alice",
                        itemId: "v0",
                        type: .like,
                        timestamp: 1_732_892_400_000,
                        tags: ["cooking"],
                        authorId: "chef_lee"
                    )
                )
        )
    }

    @Test func catalogExampleDecodes() {
        let record =
            #"{"item_id": "v9", "tags": ["cooking","pets"], "author_id": "a5", "created_ts": 1732900000123, "duration_ms": 15000}"#
        #expect(
            CatalogItemDecoder().decode(record)
                == .accepted(
                    CatalogItem(
                        itemId: "v9",
                        tags: ["cooking", "pets"],
                        authorId: "a5",
                        createdTs: 1_732_900_000_123,
                        durationMs: 15_000
                    )
                )
        )
    }
}
