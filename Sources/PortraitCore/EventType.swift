/// The kind of an interaction, as named by the contract's `type` field.
public enum EventType: UInt8, CaseIterable, Sendable, Hashable {
    case view = 0
    case like
    case comment
    case share
    case follow
    case skip
    case notInterested

    /// The contract's spelling (`not_interested`, ...), used in JSON and in metric labels.
    public var name: String {
        switch self {
        case .view: "view"
        case .like: "like"
        case .comment: "comment"
        case .share: "share"
        case .follow: "follow"
        case .skip: "skip"
        case .notInterested: "not_interested"
        }
    }

    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }
}
