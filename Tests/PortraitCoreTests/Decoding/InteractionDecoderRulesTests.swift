import Testing

@testable import PortraitCore

/// Every field rule of CONTRACT §2 and every documented decision of `InteractionDecoder`, case by case.
@Suite struct InteractionDecoderRulesTests {
    static let nowMs: Int64 = 1_733_000_000_000
    let decoder = InteractionDecoder()

    /// A valid event with `extra` members appended (later duplicates win) or `fields` replacing the base ones.
    static func event(_ members: [(String, String)] = [], dropping dropped: Set<String> = []) -> String {
        var base: [(String, String)] = [
            ("user_id", #""u1""#), ("item_id", #""v1""#), ("type", #""view""#), ("ts", "1732896000000"),
        ]
        base.removeAll { dropped.contains($0.0) }
        for (key, value) in members {
            if let index = base.firstIndex(where: { $0.0 == key }) {
                base[index].1 = value
            } else {
                base.append((key, value))
            }
        }
        return "{" + base.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    func code(_ text: String) -> String {
        switch decoder.decode(text, nowMs: Self.nowMs) {
        case .accepted: "accepted"
        case .rejected(let reason): reason.code
        }
    }

    func accepted(_ text: String) throws -> Interaction {
        try #require(decoder.decode(text, nowMs: Self.nowMs).value, "\(text)")
    }

    static func quoted(_ count: Int, _ unit: String = "x") -> String {
        "\"" + String(repeating: unit, count: count) + "\""
    }

    @Test(arguments: ["user_id", "item_id"])
    func requiredIdBounds(field: String) {
        #expect(code(Self.event([(field, Self.quoted(0))])) == "invalid_field:\(field)")
        #expect(code(Self.event([(field, Self.quoted(1))])) == "accepted")
        #expect(code(Self.event([(field, Self.quoted(256))])) == "accepted")
        #expect(code(Self.event([(field, Self.quoted(257))])) == "invalid_field:\(field)")
        // Bytes, not characters, and after unescaping.
        #expect(code(Self.event([(field, Self.quoted(128, "é"))])) == "accepted")
        #expect(code(Self.event([(field, Self.quoted(129, "é"))])) == "invalid_field:\(field)")
        #expect(code(Self.event([(field, Self.quoted(128, "\\u00e9"))])) == "accepted")
        #expect(code(Self.event([(field, Self.quoted(256, "\\n"))])) == "accepted")
        #expect(code(Self.event([(field, Self.quoted(257, "\\n"))])) == "invalid_field:\(field)")
        #expect(code(Self.event([(field, "42")])) == "invalid_field:\(field)")
        #expect(code(Self.event([(field, "[\"u1\"]")])) == "invalid_field:\(field)")
        #expect(code(Self.event([(field, "null")])) == "missing_field:\(field)")
        #expect(code(Self.event(dropping: [field])) == "missing_field:\(field)")
    }

    @Test(arguments: ["author_id"])
    func optionalIdBounds(field: String) throws {
        #expect(code(Self.event([(field, Self.quoted(0))])) == "invalid_field:\(field)")
        #expect(try accepted(Self.event([(field, Self.quoted(1))])).authorId == "x")
        #expect(code(Self.event([(field, Self.quoted(256))])) == "accepted")
        #expect(code(Self.event([(field, Self.quoted(257))])) == "invalid_field:\(field)")
        #expect(code(Self.event([(field, "true")])) == "invalid_field:\(field)")
        #expect(try accepted(Self.event([(field, "null")])).authorId == nil)
    }

    @Test(arguments: ["country", "device", "lang", "event_id"])
    func contextBounds(field: String) throws {
        #expect(code(Self.event([(field, Self.quoted(0))])) == "accepted")
        #expect(code(Self.event([(field, Self.quoted(256))])) == "accepted")
        #expect(code(Self.event([(field, Self.quoted(257))])) == "invalid_field:\(field)")
        #expect(code(Self.event([(field, "1")])) == "invalid_field:\(field)")
        #expect(code(Self.event([(field, "null")])) == "accepted")
    }

    @Test func contextValuesAreKept() throws {
        let event = try accepted(
            Self.event([("country", #""BR""#), ("device", #""ios""#), ("lang", #""pt""#), ("event_id", #""e-1""#)])
        )
        #expect(event.country == "BR" && event.device == "ios" && event.lang == "pt" && event.eventId == "e-1")
    }

    @Test func tags() throws {
        let tags64 = "[" + (0..<64).map { "\"t\($0)\"" }.joined(separator: ",") + "]"
        let tags65 = "[" + (0..<65).map { "\"t\($0)\"" }.joined(separator: ",") + "]"
        #expect(try accepted(Self.event([("tags", tags64)])).tags?.count == 64)
        #expect(code(Self.event([("tags", tags65)])) == "invalid_field:tags")
        #expect(try accepted(Self.event([("tags", "[]")])).tags == [])
        #expect(try accepted(Self.event([("tags", "null")])).tags == nil)
        #expect(try accepted(Self.event()).tags == nil)
        #expect(try accepted(Self.event([("tags", #"[ "a" , "b\u0063" ]"#)])).tags == ["a", "bc"])
        #expect(code(Self.event([("tags", "[\(Self.quoted(256))]")])) == "accepted")
        #expect(code(Self.event([("tags", "[\(Self.quoted(257))]")])) == "invalid_field:tags")
        #expect(code(Self.event([("tags", #"["a",""]"#)])) == "invalid_field:tags")
        #expect(code(Self.event([("tags", #"["a",1]"#)])) == "invalid_field:tags")
        #expect(code(Self.event([("tags", #"["a",null]"#)])) == "invalid_field:tags")
        #expect(code(Self.event([("tags", #"["a",["b"]]"#)])) == "invalid_field:tags")
        #expect(code(Self.event([("tags", #""cooking""#)])) == "invalid_field:tags")
        #expect(code(Self.event([("tags", #"{"a":1}"#)])) == "invalid_field:tags")
        #expect(code(Self.event([("tags", #"["a",]"#)])) == "invalid_json")
        #expect(code(Self.event([("tags", #"["a" "b"]"#)])) == "invalid_json")
    }

    @Test func watchAndDuration() throws {
        #expect(code(Self.event([("watch_ms", "-1")])) == "invalid_field:watch_ms")
        #expect(try accepted(Self.event([("watch_ms", "0")])).watchMs == 0)
        #expect(try accepted(Self.event([("watch_ms", "-0")])).watchMs == 0)
        #expect(code(Self.event([("duration_ms", "0")])) == "invalid_field:duration_ms")
        #expect(try accepted(Self.event([("duration_ms", "1")])).durationMs == 1)
        for field in ["watch_ms", "duration_ms"] {
            #expect(code(Self.event([(field, "1.0")])) == "invalid_field:\(field)")
            #expect(code(Self.event([(field, "1e3")])) == "invalid_field:\(field)")
            #expect(code(Self.event([(field, "\"5\"")])) == "invalid_field:\(field)")
            #expect(code(Self.event([(field, "99999999999999999999")])) == "invalid_field:\(field)")
            #expect(code(Self.event([(field, "9223372036854775807")])) == "accepted")
        }
    }

    @Test func timestamps() throws {
        let latest = Self.nowMs + 3_600_000
        #expect(code(Self.event([("ts", "946684799999")])) == "ts_out_of_range")
        #expect(try accepted(Self.event([("ts", "946684800000")])).timestamp == 946_684_800_000)
        #expect(try accepted(Self.event([("ts", "\(latest)")])).timestamp == latest)
        #expect(code(Self.event([("ts", "\(latest + 1)")])) == "ts_out_of_range")
        #expect(code(Self.event([("ts", "-1")])) == "ts_out_of_range")
        #expect(code(Self.event([("ts", "99999999999999999999999")])) == "ts_out_of_range")
        #expect(code(Self.event([("ts", "-99999999999999999999999")])) == "ts_out_of_range")
        #expect(code(Self.event([("ts", "1732896000000.0")])) == "invalid_field:ts")
        #expect(code(Self.event([("ts", "1.732896e12")])) == "invalid_field:ts")
        #expect(code(Self.event([("ts", "\"1732896000000\"")])) == "invalid_field:ts")
        #expect(code(Self.event([("ts", "true")])) == "invalid_field:ts")
        #expect(code(Self.event([("ts", "01732896000000")])) == "invalid_json")
        // nowMs near Int64.max must not overflow the upper bound.
        #expect(decoder.decode(Self.event(), nowMs: .max).value != nil)
    }

    @Test func types() throws {
        for type in EventType.allCases {
            #expect(try accepted(Self.event([("type", "\"\(type.name)\"")])).type == type)
        }
        #expect(try accepted(Self.event([("type", #""vi\u0065w""#)])).type == .view)
        #expect(code(Self.event([("type", #""View""#)])) == "unknown_type")
        #expect(code(Self.event([("type", #""""#)])) == "unknown_type")
        #expect(code(Self.event([("type", #""not_interested_""#)])) == "unknown_type")
        #expect(code(Self.event([("type", "3")])) == "invalid_field:type")
        #expect(code(Self.event([("type", "null")])) == "missing_field:type")
    }

    @Test func typesNearTheEndOfTheBufferAndLookalikes() throws {
        for type in EventType.allCases {
            // As the last member, fewer than 16 bytes follow the opening quote: the general path.
            let last = #"{"user_id":"u1","item_id":"v1","ts":1732896000000,"type":"\#(type.name)"}"#
            #expect(try accepted(last).type == type)
            // Padded, the word-matching path.
            let padded = #"{"type":"\#(type.name)","user_id":"u1","item_id":"v1","ts":1732896000000}"#
            #expect(try accepted(padded).type == type)
            let longer = #"{"type":"\#(type.name)s","user_id":"u1","item_id":"v1","ts":1732896000000}"#
            #expect(code(longer) == "unknown_type")
            let shorter = #"{"type":"\#(type.name.dropLast())","user_id":"u1","item_id":"v1","ts":1732896000000}"#
            #expect(code(shorter) == "unknown_type")
        }
        // Keys likewise: known keys near the end, and keys that extend a known one.
        #expect(try accepted(#"{"type":"like","item_id":"v1","ts":1732896000000,"user_id":"u"}"#).userId == "u")
        #expect(code(#"{"user_idx":"u1","item_id":"v1","type":"like","ts":1732896000000}"#) == "missing_field:user_id")
        #expect(code(#"{"user_id":"u1","item_id":"v1","type":"like","tsx":1}"#) == "missing_field:ts")
    }

    @Test func unknownFieldsAreIgnoredButValidated() throws {
        let nested = #"{"a":[1,-2.5e-3,true,false,null,{"b":"\ud83c\udfb5"}],"c":{}}"#
        #expect(
            try accepted(Self.event([("x", nested), ("created_ts", "\"anything\"")])) == (try accepted(Self.event()))
        )
        #expect(code(Self.event([("x", #"{"a":[1,]}"#)])) == "invalid_json")
        #expect(code(Self.event([("x", #"{"a" 1}"#)])) == "invalid_json")
        #expect(code(Self.event([("x", "tru")])) == "invalid_json")
        #expect(code(Self.event([("x", "NaN")])) == "invalid_json")
        #expect(code(Self.event([("x", "1.")])) == "invalid_json")
        #expect(code(Self.event([("x", ".5")])) == "invalid_json")
        #expect(code(Self.event([("x", "+1")])) == "invalid_json")
        #expect(code(Self.event([("x", "1e")])) == "invalid_json")
        #expect(code(Self.event([("x", #""\x""#)])) == "invalid_json")
        #expect(code(Self.event([("x", #""\u12""#)])) == "invalid_json")
    }

    @Test func escapedKeysAreTheSameKeys() throws {
        let text = #"{"user\u005fid":"u1","\u0069tem_id":"v1","type":"like","t\u0073":1732896000000}"#
        #expect(
            try accepted(text) == Interaction(userId: "u1", itemId: "v1", type: .like, timestamp: 1_732_896_000_000)
        )
    }

    @Test func duplicateKeysLastWins() throws {
        #expect(try accepted(Self.event() + "").userId == "u1")
        let text = #"{"user_id":5,"user_id":"u2","item_id":"v1","type":"bad","type":"like","ts":1732896000000}"#
        #expect(try accepted(text).userId == "u2")
        #expect(try accepted(text).type == .like)
        let nulled = #"{"user_id":"u1","item_id":"v1","type":"like","ts":1732896000000,"user_id":null}"#
        #expect(code(nulled) == "missing_field:user_id")
        let badLast = #"{"user_id":"u1","item_id":"v1","type":"like","ts":1732896000000,"ts":1}"#
        #expect(code(badLast) == "ts_out_of_range")
    }

    @Test func precedence() {
        #expect(code(#"{"ts":"x","type":"nope"}"#) == "missing_field:user_id")
        #expect(code(#"{"user_id":"u1","ts":"x","type":"nope"}"#) == "missing_field:item_id")
        #expect(code(#"{"user_id":"u1","item_id":"v1","ts":"x","type":"nope"}"#) == "unknown_type")
        #expect(
            code(#"{"user_id":"u1","item_id":"v1","ts":1,"type":"like","tags":3,"watch_ms":-1}"#) == "ts_out_of_range"
        )
        #expect(code(Self.event([("tags", "3"), ("watch_ms", "-1"), ("lang", "1")])) == "invalid_field:watch_ms")
        #expect(code(Self.event([("tags", "3"), ("lang", "1"), ("author_id", "\"\"")])) == "invalid_field:tags")
        #expect(code(#"{"ts":"x"} x"#) == "invalid_json")
        #expect(code(#"{"user_id":"\#(String(repeating: "x", count: 70_000))"#) == "too_large")
    }

    @Test func documentLevelOutcomes() throws {
        #expect(code("") == "invalid_json")
        #expect(code("   \n") == "invalid_json")
        #expect(code("{") == "invalid_json")
        #expect(code("{}") == "missing_field:user_id")
        #expect(code(" { } ") == "missing_field:user_id")
        for scalar in ["5", "\"x\"", "null", "true", "[]", "[{\"user_id\":\"u1\"}]", " -0.5e1 "] {
            #expect(code(scalar) == "not_object", "\(scalar)")
        }
        #expect(code("[1,2") == "invalid_json")
        #expect(code(Self.event() + " \n\t\r") == "accepted")
        #expect(code(Self.event() + " x") == "invalid_json")
        #expect(code(Self.event() + Self.event()) == "invalid_json")
        #expect(code("\u{FEFF}" + Self.event()) == "accepted")
        #expect(code("\u{FEFF}\u{FEFF}" + Self.event()) == "invalid_json")
        #expect(code(Self.event([("x", #""a\tb""#)])) == "accepted")
        #expect(code(Self.event([("x", "\"a\tb\"")])) == "invalid_json")
        #expect(code(Self.event([("x", "\"a\u{7F}b\"")])) == "accepted")
    }

    @Test func nestingDepthIsCappedAt64() {
        // The top-level object is depth 1; 63 more levels are allowed, 64 are not.
        let ok = Self.event([("x", String(repeating: "[", count: 63) + String(repeating: "]", count: 63))])
        let deep = Self.event([("x", String(repeating: "[", count: 64) + String(repeating: "]", count: 64))])
        #expect(code(ok) == "accepted")
        #expect(code(deep) == "invalid_json")
        let hostile = String(repeating: "[", count: 60_000)
        #expect(code(hostile) == "invalid_json")
        let objects = String(repeating: #"{"a":"#, count: 10_000)
        #expect(code(objects) == "invalid_json")
    }

    @Test func unicodeAndUTF8Validity() throws {
        func withUserBytes(_ bytes: [UInt8]) -> String {
            let value =
                Array(#"{"item_id":"v1","type":"like","ts":1732896000000,"user_id":""#.utf8) + bytes + Array("\"}".utf8)
            return decoder.decode(value, nowMs: Self.nowMs).rejectReason?.code ?? "accepted"
        }
        #expect(withUserBytes([0xC3, 0xA9]) == "accepted")  // é
        #expect(withUserBytes([0xF0, 0x9F, 0x8E, 0xB5]) == "accepted")  // 🎵
        #expect(withUserBytes([0xEF, 0xBF, 0xBF]) == "accepted")  // U+FFFF
        #expect(withUserBytes([0xF4, 0x8F, 0xBF, 0xBF]) == "accepted")  // U+10FFFF
        for bad: [UInt8] in [
            [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF0, 0x80, 0x80, 0x80],
            [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF], [0x80], [0xC3], [0xE2, 0x82], [0xC3, 0x28],
        ] {
            #expect(withUserBytes(bad) == "invalid_json", "\(bad)")
        }
        #expect(try accepted(Self.event([("user_id", #""\ud83c\udfb5""#)])).userId == "🎵")
        #expect(
            try accepted(Self.event([("user_id", #""\u00e9\u20AC\/\"\\\b\f\n\r\t""#)])).userId
                == "é€/\"\\\u{8}\u{C}\n\r\t"
        )
        #expect(try accepted(Self.event([("user_id", #""a\u0000b""#)])).userId == "a\u{0}b")
        #expect(code(Self.event([("user_id", #""\ud83c""#)])) == "invalid_json")
        #expect(code(Self.event([("user_id", #""\ud83cx""#)])) == "invalid_json")
        #expect(code(Self.event([("user_id", #""\ud83c\u0041""#)])) == "invalid_json")
        #expect(code(Self.event([("user_id", #""\udfb5""#)])) == "invalid_json")
    }

    @Test func customLimits() {
        let strict = InteractionDecoder(maxValueBytes: 100, maxFutureSkewMs: 0)
        let event = Self.event()
        #expect(strict.decode(event, nowMs: 1_732_896_000_000).value != nil)
        #expect(strict.decode(event, nowMs: 1_732_895_999_999).rejectReason?.code == "ts_out_of_range")
        #expect(
            strict.decode(event + String(repeating: " ", count: 100), nowMs: Self.nowMs).rejectReason?.code
                == "too_large"
        )
    }
}

@Suite struct CatalogItemDecoderRulesTests {
    let decoder = CatalogItemDecoder()

    func code(_ text: String) -> String {
        decoder.decode(text).rejectReason?.code ?? "accepted"
    }

    @Test func rules() throws {
        #expect(try #require(decoder.decode(#"{"item_id":"v1"}"#).value) == CatalogItem(itemId: "v1"))
        #expect(code(#"{"tags":["a"]}"#) == "missing_field:item_id")
        #expect(code(#"{"item_id":""}"#) == "invalid_field:item_id")
        #expect(code(#"{"item_id":"v1","tags":[""]}"#) == "invalid_field:tags")
        #expect(code(#"{"item_id":"v1","author_id":""}"#) == "invalid_field:author_id")
        #expect(code(#"{"item_id":"v1","created_ts":1.5}"#) == "invalid_field:created_ts")
        #expect(code(#"{"item_id":"v1","created_ts":99999999999999999999}"#) == "invalid_field:created_ts")
        #expect(try #require(decoder.decode(#"{"item_id":"v1","created_ts":-5}"#).value).createdTs == -5)
        #expect(code(#"{"item_id":"v1","duration_ms":0}"#) == "invalid_field:duration_ms")
        #expect(code(#"{"item_id":"v1","duration_ms":99999999999999999999}"#) == "invalid_field:duration_ms")
        #expect(code(#"{"item_id":"v1","tags":3,"duration_ms":0}"#) == "invalid_field:tags")
        #expect(code("null") == "not_object")
        #expect(code("{") == "invalid_json")
        #expect(code(#"{"item_id":"v1","x":[{"y":null}]}"#) == "accepted")
        #expect(CatalogItemDecoder(maxValueBytes: 10).decode(#"{"item_id":"v1"}"#).rejectReason?.code == "too_large")
    }
}
