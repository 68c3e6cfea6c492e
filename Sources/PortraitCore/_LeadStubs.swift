// Temporary stand-ins until the engine branch lands; deleted at merge.
public struct EventWeights: Sendable, Equatable {
    public var values: [Double] = [1, 3, 4, 5, 6, -1, -5]
    public static let `default` = EventWeights()
    public subscript(type: EventType) -> Double {
        get { values[Int(type.rawValue)] }
        set { values[Int(type.rawValue)] = newValue }
    }
}
public struct EngineConfiguration: Sendable {
    public var halfLifeSeconds: Double = 86_400
    public var weights: EventWeights = .default
    public var topN = 20
    public var recommendationsK = 20
    public var explorationShare = 0.1
    public var maxTagsPerUser = 256
    public var maxAuthorsPerUser = 256
    public var emitIntervalMs = 1_000
    public var shardCount = 2
    public var maxProfiles: Int? = nil
    public init() {}
}
