import Foundation
import Testing

@testable import PortraitCore

/// Differential fuzzing: our decoder against `JSONSerialization` plus `ReferenceValidator`, on seeded random
/// documents and on mutations (byte flips, truncations, insertions, deletions) of valid events.
///
/// Documented, deliberate differences, excluded from the comparison: nesting deeper than 64 (we reject, Foundation
/// allows 512; the generators stay far below), numbers beyond `Double` such as `1e999` (valid JSON to us,
/// rejected by Foundation), documents Foundation reads as UTF-16/32 (we read UTF-8 only), trailing commas
/// (`{"a":1,}`: Foundation on Linux accepts them, RFC 8259 and we do not), and U+FEFF inside strings, which
/// Foundation silently drops at the start of a string or key while we keep the bytes as sent.
@Suite struct DecoderFuzzTests {
    static let nowMs: Int64 = 1_733_000_000_000
    let decoder = InteractionDecoder()

    /// Checks one document; returns a description of the disagreement, or nil.
    func disagreement(_ bytes: [UInt8]) -> String? {
        let ours = decoder.decode(bytes, nowMs: Self.nowMs)
        // The ingest loop's form must agree with this one on every document, leave an earlier event of the batch
        // as it was, and hash each string as the tables hash the `String`.
        let earlier = PositionedInteraction(
            event: Interaction(userId: "earlier", itemId: "i", type: .view, timestamp: 0, tags: ["a", "b"]))
        var appended = InteractionBatch([earlier])
        let bytesBefore = appended.bytes.count
        let position = InputPosition(partition: 3, offset: 42)
        let reason = bytes.withUnsafeBytes {
            decoder.decode($0, nowMs: Self.nowMs, position: position, appendingTo: &appended)
        }
        guard appended[0].event == earlier.event else { return "the appending form changed an earlier event" }
        switch ours {
        case .accepted(let event):
            guard reason == nil, appended.count == 2, appended[1].event == event, appended[1].position == position else {
                return "the appending form disagrees: \(String(describing: reason)), \(appended.count) events"
            }
            let stored = appended.events[1]
            let strings = [(stored.user, event.userId), (stored.item, event.itemId)]
                + zip(appended.tags[Int(stored.tagStart)...], event.tags ?? []).map { ($0, $1) }
            for (string, expected) in strings
            where string.hash != SeededStringHash.hash(expected, seed: SeededStringHash.processSeed) {
                return "the batch's hash of \(expected) differs from the String's"
            }
        case .rejected(let expected):
            guard reason == expected, appended.count == 1, appended.tags.count == 2, appended.bytes.count == bytesBefore
            else {
                return "the appending form disagrees: \(String(describing: reason)) vs \(expected), \(appended.count) events"
            }
        }
        let parsed: Any?
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            let text = String(describing: error)
            if text.contains("not representable") || text.contains("Number") && text.contains("range") { return nil }
            if bytes.prefix(4).contains(0) { return nil }  // Foundation's UTF-16/32 sniffing
            if ours.rejectReason?.code == "invalid_json" { return nil }
            return "Foundation rejects (\(text.prefix(120))) but we say \(ours.rejectReason?.code ?? "accepted")"
        }
        guard let object = parsed else { return nil }
        if Self.hasTrailingComma(bytes) && ours.rejectReason?.code == "invalid_json" { return nil }
        if Self.containsInnerByteOrderMark(bytes) { return nil }
        if bytes.count > decoder.maxValueBytes {
            return ours.rejectReason?.code == "too_large" ? nil : "expected too_large"
        }
        switch (ReferenceValidator.expected(for: object, nowMs: Self.nowMs), ours) {
        case (.accepted(let expected), .accepted(let actual)):
            return ReferenceValidator.same(expected, actual) ? nil : "fields differ: \(expected) vs \(actual)"
        case (.rejected(let codes), .rejected(let reason)):
            return codes.contains(reason.code) ? nil : "expected \(codes.sorted()), got \(reason.code)"
        case (.accepted, .rejected(let reason)):
            return "reference accepts, we reject with \(reason.code)"
        case (.rejected(let codes), .accepted):
            return "reference rejects with \(codes.sorted()), we accept"
        }
    }

    /// A `,` followed (after whitespace) by `}` or `]` outside strings.
    static func hasTrailingComma(_ bytes: [UInt8]) -> Bool {
        var inString = false
        var escaped = false
        var pendingComma = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                pendingComma = false
            case UInt8(ascii: ","): pendingComma = true
            case UInt8(ascii: "}"), UInt8(ascii: "]"): if pendingComma { return true }
            case 0x20, 0x09, 0x0A, 0x0D: break
            default: pendingComma = false
            }
        }
        return false
    }

    /// U+FEFF anywhere but as the document's leading byte order mark.
    static func containsInnerByteOrderMark(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 4 else { return false }
        for index in 1..<(bytes.count - 2)
        where bytes[index] == 0xEF && bytes[index + 1] == 0xBB && bytes[index + 2] == 0xBF {
            return true
        }
        return false
    }

    /// Runs every case; returns how often each of our outcomes occurred (to show the cases reach every rule).
    @discardableResult
    func check(_ cases: [[UInt8]]) -> [String: Int] {
        var failures = 0
        var outcomes: [String: Int] = [:]
        for bytes in cases {
            outcomes[decoder.decode(bytes, nowMs: Self.nowMs).rejectReason?.code ?? "accepted", default: 0] += 1
            guard let problem = disagreement(bytes) else { continue }
            failures += 1
            if failures <= 10 {
                Issue.record("\(problem) for \(String(decoding: bytes, as: UTF8.self).debugDescription)")
            }
        }
        #expect(failures == 0)
        return outcomes
    }

    static func seedCorpus() -> [[UInt8]] {
        var traffic = SyntheticTraffic(options: .init(users: 500, tags: 100, authors: 30, items: 500, seed: 11))
        var corpus = (0..<300).map { _ in traffic.nextEvent().value }
        corpus += [
            #"{"user_id":"alice","item_id":"v1","type":"like","ts":1732896000000,"tags":["cooking","asmr"],"author_id":"chef_lee","country":"BR","device":"android","lang":"pt"}"#,
            #"{"user_id":"\u00e9\ud83c\udfb5","item_id":"v\/1","type":"vi\u0065w","ts":1732896000000,"watch_ms":0,"duration_ms":1}"#,
            #"{"x":{"y":[1,2.5,-3e-2,true,false,null,"\"\\"]},"user_id":"u","item_id":"i","type":"skip","ts":946684800000}"#,
            #" { "user_id" : "u1" , "item_id" : "v1" , "type" : "share" , "ts" : 1732896000000 , "tags" : [ ] } "#,
            #"{"user_id":"u1","item_id":"v1","type":"follow","ts":1732896000000,"event_id":"","lang":null,"tags":null}"#,
        ].map { Array($0.utf8) }
        return corpus
    }

    static let interestingBytes: [UInt8] =
        Array(#"{}[]",:\"0-1.e+9 ntfu"#.utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xE2, 0xED, 0xF0, 0xFF]
    static let interestingTokens: [String] = [
        "\\u", "\\ud83c", "\\udfb5", "\\u0000", "\\\"", "null", "true", "1.0", "1e3", "-0", "99999999999999999999",
        "[", "{\"a\":", "\"ts\":", "\"type\":", ",\"user_id\":", "\u{FEFF}", "é", "🎵", "\"\"", "[]", "{}",
    ]

    static func mutate(_ input: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<(1 + rng.nextInt(below: 3)) {
            let position = bytes.isEmpty ? 0 : rng.nextInt(below: bytes.count)
            switch rng.nextInt(below: 7) {
            case 0 where !bytes.isEmpty: bytes[position] = UInt8(truncatingIfNeeded: rng.next())
            case 1 where !bytes.isEmpty: bytes[position] ^= 1 << UInt8(rng.nextInt(below: 8))
            case 2: bytes.insert(interestingBytes[rng.nextInt(below: interestingBytes.count)], at: position)
            case 3 where !bytes.isEmpty: bytes.remove(at: position)
            case 4: bytes = Array(bytes.prefix(position))
            case 5:
                let token = interestingTokens[rng.nextInt(below: interestingTokens.count)]
                bytes.insert(contentsOf: Array(token.utf8), at: position)
            default:
                let length = min(bytes.count - position, 1 + rng.nextInt(below: 12))
                if length > 0 { bytes.insert(contentsOf: bytes[position..<position + length], at: position) }
            }
        }
        return bytes
    }

    @Test func mutatedEventsAgreeWithFoundation() {
        var rng = SplitMix64(seed: 0xF022)
        let corpus = Self.seedCorpus()
        let cases = (0..<12_000).map { _ in Self.mutate(corpus[rng.nextInt(below: corpus.count)], using: &rng) }
        check(corpus + cases)
    }

    @Test func randomDocumentsAgreeWithFoundation() {
        var rng = SplitMix64(seed: 0xD0C5)
        var generator = RandomJSONDocument()
        let cases = (0..<8_000).map { _ in Array(generator.document(using: &rng).utf8) }
        let outcomes = check(cases)
        // The generator reaches acceptance and most reasons, not just one early rejection.
        #expect(outcomes["accepted", default: 0] > 200)
        #expect(outcomes.keys.filter { $0.hasPrefix("invalid_field:") }.count >= 10)
        #expect(outcomes.keys.filter { $0.hasPrefix("missing_field:") }.count >= 3)
        for code in ["not_object", "unknown_type", "ts_out_of_range"] {
            #expect(outcomes[code, default: 0] > 10, "\(code)")
        }
        // Also their mutations.
        check(cases.prefix(3_000).map { Self.mutate($0, using: &rng) })
    }
}

/// Random JSON documents shaped like interactions: known keys with values of every kind and boundary size.
struct RandomJSONDocument {
    static let keys = [
        "user_id", "item_id", "type", "ts", "watch_ms", "duration_ms", "tags", "author_id", "country", "device",
        "lang", "event_id", "x", "created_ts", "user\\u005fid", "TS",
    ]

    mutating func document(using rng: inout SplitMix64) -> String {
        if rng.nextInt(below: 20) == 0 { return value(depth: 0, using: &rng) }
        var members: [String] = []
        // Usually the required fields, well-formed, so that the optional rules are reached too.
        if rng.nextInt(below: 4) != 0 {
            members += [
                #""user_id":"u\#(rng.nextInt(below: 100))""#, #""item_id":"v1""#,
                #""type":"\#(EventType.allCases[rng.nextInt(below: 7)].name)""#, #""ts":1732896000000"#,
            ]
        }
        for _ in 0..<rng.nextInt(below: 6) {
            let key = Self.keys[rng.nextInt(below: Self.keys.count)]
            members.insert("\"\(key)\":\(value(depth: 1, using: &rng))", at: rng.nextInt(below: members.count + 1))
        }
        let space = rng.nextInt(below: 5) == 0 ? " " : ""
        return "{\(space)" + members.joined(separator: ",\(space)") + "\(space)}"
    }

    func value(depth: Int, using rng: inout SplitMix64) -> String {
        switch rng.nextInt(below: depth > 4 ? 7 : 9) {
        case 0: return "null"
        case 1: return rng.nextInt(below: 2) == 0 ? "true" : "false"
        case 2: return integer(using: &rng)
        case 3:
            let fractions = ["1.0", "1e3", "-2.5E-3", "0.5", "1732896000000.0", "1.7e12", "-0.0", "1E+2"]
            return fractions[rng.nextInt(below: fractions.count)]
        case 4, 5, 6: return string(using: &rng)
        case 7:
            let count = [0, 1, 2, 3, 64, 65][rng.nextInt(below: 6)]
            return "["
                + (0..<count).map { _ in
                    rng.nextInt(below: 30) == 0 ? value(depth: depth + 1, using: &rng) : string(using: &rng)
                }
                .joined(separator: ",") + "]"
        default:
            return "{"
                + (0..<rng.nextInt(below: 3)).map { _ in "\"k\":\(value(depth: depth + 1, using: &rng))" }
                .joined(separator: ",") + "}"
        }
    }

    func integer(using rng: inout SplitMix64) -> String {
        let choices: [String] = [
            "0", "-0", "1", "-1", "946684799999", "946684800000", "1732896000000", "\(1_733_000_000_000 + 3_600_000)",
            "\(1_733_000_000_000 + 3_600_001)", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
            "18446744073709551616", "123456789012345678901234567890", "-99999999999999999999",
            "\(Int64(bitPattern: rng.next()) >> UInt64(rng.nextInt(below: 64)))",
        ]
        return choices[rng.nextInt(below: choices.count)]
    }

    func string(using rng: inout SplitMix64) -> String {
        let pieces = [
            "a", "x", "é", "€", "🎵", "\\n", "\\\"", "\\\\", "\\/", "\\u00e9", "\\ud83c\\udfb5", "\\u0000", "view",
            "like", "not_interested",
        ]
        let length = [0, 1, 2, 5, 14, 15, 16, 255, 256, 257][rng.nextInt(below: 10)]
        var text = ""
        if rng.nextInt(below: 3) == 0 {
            // Exact byte lengths around the limits, ASCII only.
            text = String(repeating: "s", count: length)
        } else {
            for _ in 0..<min(length, 40) { text += pieces[rng.nextInt(below: pieces.count)] }
        }
        return "\"\(text)\""
    }
}
