/// An interaction with the input position it came from.
///
/// An offset below 0 means "no position": the event is applied without duplicate detection
/// (tests, synthetic load).
public struct PositionedInteraction: Sendable {
    public var event: Interaction
    public var position: InputPosition

    public init(event: Interaction, position: InputPosition = InputPosition(partition: 0, offset: -1)) {
        self.event = event
        self.position = position
    }
}
