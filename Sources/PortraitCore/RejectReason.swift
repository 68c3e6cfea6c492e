/// Why an input record was rejected; `code` is the `portrait.error` header value (CONTRACT §6).
public struct RejectReason: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: UInt8, Sendable, Hashable, CaseIterable {
        case invalidJSON
        case notObject
        case missingField
        case invalidField
        case unknownType
        case tooLarge
        case tsOutOfRange
    }

    public var kind: Kind
    /// The field named by `missing_field:` and `invalid_field:`; `nil` for the other kinds.
    public var field: String?

    public init(_ kind: Kind, field: String? = nil) {
        self.kind = kind
        self.field = field
    }

    /// The contract's reason code, e.g. `missing_field:user_id`.
    public var code: String {
        switch kind {
        case .invalidJSON: "invalid_json"
        case .notObject: "not_object"
        case .missingField: "missing_field:\(field ?? "")"
        case .invalidField: "invalid_field:\(field ?? "")"
        case .unknownType: "unknown_type"
        case .tooLarge: "too_large"
        case .tsOutOfRange: "ts_out_of_range"
        }
    }

    public var description: String { code }
}
