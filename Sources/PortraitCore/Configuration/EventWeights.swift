/// The weight W(type) of each event type in the decay sums of CONTRACT §4.
///
/// Stored as a fixed array indexed by `EventType.rawValue`, so the per-event lookup is one load.
public struct EventWeights: Sendable, Equatable {
    private var values: [Double]

    /// The contract's defaults: view 1, like 3, comment 4, share 5, follow 6, skip -1, not_interested -5.
    public static let `default` = EventWeights(values: [1, 3, 4, 5, 6, -1, -5])

    private init(values: [Double]) {
        self.values = values
    }

    public subscript(type: EventType) -> Double {
        get { values[Int(type.rawValue)] }
        set { values[Int(type.rawValue)] = newValue }
    }

    /// Parses `like=3,skip=-1` on top of the defaults; unknown types and non-finite numbers are errors.
    public init(parsing text: String) throws(EventWeightsError) {
        self = .default
        for part in text.split(separator: ",", omittingEmptySubsequences: true) {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { throw EventWeightsError(entry: String(part)) }
            let name = pair[0].trimmingSpaces()
            guard let type = EventType(name: name), let weight = Double(pair[1].trimmingSpaces()), weight.isFinite
            else { throw EventWeightsError(entry: String(part)) }
            self[type] = weight
        }
    }
}

/// A `PORTRAIT_WEIGHTS` entry that is not `<type>=<finite number>`.
public struct EventWeightsError: Error, Sendable, CustomStringConvertible {
    public var entry: String
    public var description: String { "invalid weight entry '\(entry)': expected <type>=<number>" }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(self.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
