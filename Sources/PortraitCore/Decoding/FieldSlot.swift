/// What the document said about one known field, after the last occurrence of its key (last wins).
enum FieldSlot<Value> {
    /// The key was not there, or its value was `null`.
    case absent
    case value(Value)
    /// Wrong JSON type, or a value outside the field's bounds.
    case invalid
    /// A field-specific second failure: an unknown `type` name, or a `ts` out of range.
    case outOfRange

    var value: Value? {
        if case .value(let value) = self { return value }
        return nil
    }
}
