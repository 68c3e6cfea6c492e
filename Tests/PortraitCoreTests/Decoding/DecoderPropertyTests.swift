import PropertyBased
import Testing

@testable import PortraitCore

/// Laws of the decoder over generated inputs (x-sheep/swift-property-based).
@Suite struct DecoderPropertyTests {
    static let nowMs: Int64 = 1_733_000_000_000
    let decoder = InteractionDecoder()

    /// Any Unicode scalar except surrogates (which are not scalars); surrogate code points map to U+FFFD.
    static let scalar = Gen<UInt32>.value(in: 0...0x10FFFF).map { UnicodeScalar($0) ?? "\u{FFFD}" }

    /// JSON string literal for `scalars`, escaping some scalars as `\u` (surrogate pairs above U+FFFF) and the rest raw.
    static func jsonLiteral(_ scalars: [UnicodeScalar]) -> String {
        var out = "\""
        for scalar in scalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case _ where scalar.value < 0x20 || scalar.value % 3 == 0:
                if scalar.value > 0xFFFF {
                    let v = scalar.value - 0x10000
                    out += hex(0xD800 + (v >> 10)) + hex(0xDC00 + (v & 0x3FF))
                } else {
                    out += hex(scalar.value)
                }
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func hex(_ unit: UInt32) -> String {
        let digits = String(unit, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
    }

    @Test func stringFieldsRoundTripByteExactlyAndObeyTheByteLimit() async {
        await propertyCheck(count: 300, input: Self.scalar.array(of: 0...140)) { scalars in
            var original = ""
            original.unicodeScalars.append(contentsOf: scalars)
            let text = #"{"item_id":"v1","type":"like","ts":1732896000000,"user_id":"# + Self.jsonLiteral(scalars) + "}"
            let byteCount = original.utf8.count
            switch decoder.decode(text, nowMs: Self.nowMs) {
            case .accepted(let event):
                #expect((1...256).contains(byteCount))
                #expect(Array(event.userId.utf8) == Array(original.utf8))
            case .rejected(let reason):
                #expect(!(1...256).contains(byteCount))
                #expect(reason.code == "invalid_field:user_id")
            }
        }
    }

    @Test func timestampsAreAcceptedExactlyInTheirWindow() async {
        let nearBounds = Gen<Int64>.value(in: 946_684_700_000...946_684_900_000)
        let nearFuture = Gen<Int64>.value(in: (Self.nowMs + 3_500_000)...(Self.nowMs + 3_700_000))
        for generator in [Gen<Int64>.value(in: .min ... .max), nearBounds, nearFuture] {
            await propertyCheck(count: 200, input: generator) { ts in
                let text = #"{"user_id":"u1","item_id":"v1","type":"like","ts":\#(ts)}"#
                let inWindow = ts >= 946_684_800_000 && ts <= Self.nowMs + 3_600_000
                let outcome = decoder.decode(text, nowMs: Self.nowMs)
                #expect(outcome.value?.timestamp == (inWindow ? ts : nil))
                #expect(outcome.rejectReason?.code == (inWindow ? nil : "ts_out_of_range"))
            }
        }
    }

    @Test func everyGeneratedEventDecodesForAnySeed() async {
        await propertyCheck(count: 40, input: Gen<UInt64>.value(in: 0 ... .max)) { seed in
            var traffic = SyntheticTraffic(options: .init(users: 200, tags: 50, authors: 20, items: 300, seed: seed))
            for _ in 0..<100 {
                let (key, value) = traffic.nextEvent()
                #expect(decoder.decode(value, nowMs: traffic.currentEventTimeMs).value?.userId == key)
            }
        }
    }

    @Test func truncationsNeverAcceptAndNeverCrash() async {
        let event = Array(
            #"{"user_id":"u1","item_id":"v1","type":"like","ts":1732896000000,"tags":["a","\u00e9"]}"#.utf8
        )
        await propertyCheck(count: 200, input: Gen<Int>.value(in: 0...(event.count - 1))) { length in
            #expect(decoder.decode(Array(event.prefix(length)), nowMs: Self.nowMs).rejectReason?.code == "invalid_json")
        }
    }
}
