import Foundation

@testable import PortraitCore

/// A second, independent implementation of the CONTRACT §2 rules over `JSONSerialization`'s output, for fuzzing.
///
/// It knows only what Foundation's object graph says, so where that graph cannot tell two lexemes apart (a huge
/// integer and a huge fraction both become `NSDecimalNumber`) it allows both of our documented answers.
enum ReferenceValidator {
    enum Expected {
        case accepted(Interaction)
        /// Any of these reason codes is right.
        case rejected(Set<String>)
    }

    /// What an integer field's value is, as far as Foundation's graph shows.
    enum IntegerKind {
        case integer(Int64)
        /// An integer lexeme beyond Int64.
        case overflow
        /// `NSDecimalNumber`: beyond Double precision, integer or not (Foundation does not say).
        case hugeUnknown
        case notInteger
    }

    static func integerKind(_ value: Any) -> IntegerKind {
        guard !(value is String), let number = value as? NSNumber else { return .notInteger }
        if number is NSDecimalNumber { return .hugeUnknown }
        switch String(cString: number.objCType) {
        case "c", "B", "d", "f": return .notInteger  // booleans, fractions and exponents
        case "Q":
            return number.uint64Value > UInt64(Int64.max) ? .overflow : .integer(Int64(number.uint64Value))
        default: return .integer(number.int64Value)
        }
    }

    static func expected(for object: Any, nowMs: Int64) -> Expected {
        guard let dict = object as? [String: Any] else { return .rejected(["not_object"]) }
        func field(_ name: String) -> Any? {
            guard let value = dict[name], !(value is NSNull) else { return nil }
            return value
        }
        func string(_ name: String, minBytes: Int) -> (String?, String?) {
            guard let value = field(name) else { return (nil, nil) }
            guard let text = value as? String, (minBytes...256).contains(text.utf8.count) else {
                return (nil, "invalid_field:\(name)")
            }
            return (text, nil)
        }
        let (userId, userError) = string("user_id", minBytes: 1)
        if let userError { return .rejected([userError]) }
        guard let userId else { return .rejected(["missing_field:user_id"]) }
        let (itemId, itemError) = string("item_id", minBytes: 1)
        if let itemError { return .rejected([itemError]) }
        guard let itemId else { return .rejected(["missing_field:item_id"]) }

        guard let rawType = field("type") else { return .rejected(["missing_field:type"]) }
        guard let typeName = rawType as? String else { return .rejected(["invalid_field:type"]) }
        guard let type = EventType(name: typeName), Array(typeName.utf8) == Array(type.name.utf8) else {
            return .rejected(["unknown_type"])
        }

        guard let rawTs = field("ts") else { return .rejected(["missing_field:ts"]) }
        let ts: Int64
        switch integerKind(rawTs) {
        case .integer(let value):
            guard value >= 946_684_800_000, value <= nowMs + 3_600_000 else { return .rejected(["ts_out_of_range"]) }
            ts = value
        case .overflow: return .rejected(["ts_out_of_range"])
        case .hugeUnknown: return .rejected(["ts_out_of_range", "invalid_field:ts"])
        case .notInteger: return .rejected(["invalid_field:ts"])
        }

        func integer(_ name: String, minimum: Int64) -> (Int64?, String?) {
            guard let value = field(name) else { return (nil, nil) }
            guard case .integer(let number) = integerKind(value), number >= minimum else {
                return (nil, "invalid_field:\(name)")
            }
            return (number, nil)
        }
        let (watchMs, watchError) = integer("watch_ms", minimum: 0)
        if let watchError { return .rejected([watchError]) }
        let (durationMs, durationError) = integer("duration_ms", minimum: 1)
        if let durationError { return .rejected([durationError]) }

        var tags: [String]? = nil
        if let rawTags = field("tags") {
            guard let array = rawTags as? [Any], array.count <= 64 else { return .rejected(["invalid_field:tags"]) }
            var strings: [String] = []
            for element in array {
                guard !(element is NSNull), let text = element as? String, (1...256).contains(text.utf8.count) else {
                    return .rejected(["invalid_field:tags"])
                }
                strings.append(text)
            }
            tags = strings
        }
        let (authorId, authorError) = string("author_id", minBytes: 1)
        if let authorError { return .rejected([authorError]) }
        var context: [String?] = []
        for name in ["country", "device", "lang", "event_id"] {
            let (value, error) = string(name, minBytes: 0)
            if let error { return .rejected([error]) }
            context.append(value)
        }
        return .accepted(
            Interaction(
                userId: userId,
                itemId: itemId,
                type: type,
                timestamp: ts,
                watchMs: watchMs,
                durationMs: durationMs,
                tags: tags,
                authorId: authorId,
                country: context[0],
                device: context[1],
                lang: context[2],
                eventId: context[3]
            )
        )
    }

    /// Field-by-field equality with strings compared byte for byte (Swift's `==` on `String` is canonical
    /// equivalence, which would hide a decoding difference between precomposed and decomposed forms).
    static func same(_ a: Interaction, _ b: Interaction) -> Bool {
        func bytes(_ s: String?) -> [UInt8]? { s.map { Array($0.utf8) } }
        return bytes(a.userId) == bytes(b.userId) && bytes(a.itemId) == bytes(b.itemId) && a.type == b.type
            && a.timestamp == b.timestamp && a.watchMs == b.watchMs && a.durationMs == b.durationMs
            && a.tags?.map { Array($0.utf8) } == b.tags?.map { Array($0.utf8) }
            && bytes(a.authorId) == bytes(b.authorId)
            && bytes(a.country) == bytes(b.country) && bytes(a.device) == bytes(b.device)
            && bytes(a.lang) == bytes(b.lang) && bytes(a.eventId) == bytes(b.eventId)
    }
}
