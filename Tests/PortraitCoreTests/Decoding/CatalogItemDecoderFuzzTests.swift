import Foundation
import Testing

@testable import PortraitCore

/// Differential fuzzing of `CatalogItemDecoder` against `JSONSerialization` and a small reference of CONTRACT §3,
/// on mutated generator catalog records (same documented differences as `DecoderFuzzTests`).
@Suite struct CatalogItemDecoderFuzzTests {
    let decoder = CatalogItemDecoder()

    static func reference(_ object: Any) -> Set<String> {
        guard let dict = object as? [String: Any] else { return ["not_object"] }
        func field(_ name: String) -> Any? {
            guard let value = dict[name], !(value is NSNull) else { return nil }
            return value
        }
        guard let rawId = field("item_id") else { return ["missing_field:item_id"] }
        guard let id = rawId as? String, (1...256).contains(id.utf8.count) else { return ["invalid_field:item_id"] }
        if let tags = field("tags") {
            guard let array = tags as? [Any], array.count <= 64,
                array.allSatisfy({ ($0 as? String).map { (1...256).contains($0.utf8.count) } ?? false })
            else { return ["invalid_field:tags"] }
        }
        if let author = field("author_id") {
            guard let text = author as? String, (1...256).contains(text.utf8.count) else {
                return ["invalid_field:author_id"]
            }
        }
        for (name, minimum) in [("created_ts", Int64.min), ("duration_ms", 1)] {
            guard let value = field(name) else { continue }
            guard case .integer(let number) = ReferenceValidator.integerKind(value), number >= minimum else {
                return ["invalid_field:\(name)"]
            }
        }
        return ["accepted"]
    }

    @Test func mutatedCatalogRecordsAgreeWithFoundation() {
        let traffic = SyntheticTraffic(options: .init(users: 10, tags: 100, authors: 20, items: 200, seed: 5))
        let corpus =
            (0..<200).map { traffic.catalogRecord(item: $0) }
            + [
                #"{"item_id":"v1","tags":["","x"]}"#, #"{"item_id":"","tags":[]}"#, #"{"item_id":"v1","tags":[1,"a"]}"#,
                #"{"item_id":7,"author_id":"a1"}"#, #"{"item_id":"v\u0031","tags":null,"duration_ms":1}"#,
            ].map { Array($0.utf8) }
        var rng = SplitMix64(seed: 0xCA7A)
        var failures = 0
        var outcomes = Set<String>()
        for bytes in corpus
            + (0..<6_000).map({ _ in DecoderFuzzTests.mutate(corpus[rng.nextInt(below: corpus.count)], using: &rng) })
        {
            let ours = decoder.decode(bytes).rejectReason?.code ?? "accepted"
            outcomes.insert(ours)
            let expected: Set<String>
            do {
                let object = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
                if DecoderFuzzTests.hasTrailingComma(bytes) || DecoderFuzzTests.containsInnerByteOrderMark(bytes) {
                    continue
                }
                expected = Self.reference(object)
            } catch {
                if bytes.prefix(4).contains(0) || String(describing: error).contains("not representable") { continue }
                expected = ["invalid_json"]
            }
            if !expected.contains(ours) {
                failures += 1
                if failures <= 5 {
                    Issue.record(
                        "expected \(expected), got \(ours) for \(String(decoding: bytes, as: UTF8.self).debugDescription)"
                    )
                }
            }
        }
        #expect(failures == 0)
        #expect(outcomes.isSuperset(of: ["accepted", "invalid_json", "invalid_field:tags", "invalid_field:item_id"]))
    }
}
