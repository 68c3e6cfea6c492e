/// The outcome of decoding one input record: a validated value, or the reason it goes to the dead-letter topic.
public enum Decoded<Value: Sendable>: Sendable {
    case accepted(Value)
    case rejected(RejectReason)

    /// The value when accepted.
    public var value: Value? {
        if case .accepted(let value) = self { return value }
        return nil
    }

    /// The reason when rejected.
    public var rejectReason: RejectReason? {
        if case .rejected(let reason) = self { return reason }
        return nil
    }
}

extension Decoded: Equatable where Value: Equatable {}
