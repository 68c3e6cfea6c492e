/// A cheap snapshot of the engine's counters.
public struct EngineStatistics: Sendable, Equatable {
    public var profiles: Int { profilesPerShard.reduce(0, +) }
    public var profilesPerShard: [Int]
    public var inFlightPerShard: [Int]
    /// Events applied by each shard (how evenly the user hash spreads the traffic).
    public var appliedPerShard: [Int] = []
    /// CPU seconds each shard spent applying parts and cutting rounds (on whichever threads ran them).
    public var busySecondsPerShard: [Double] = []
    /// Events applied, indexed by `EventType.rawValue`.
    public var appliedByType: [Int]
    public var duplicatesSkipped: Int
    public var evictions: Int
    public var emissions: Int
    public var rounds: Int
    /// Restored states that failed to decode (batch restore or the evicted-profile store).
    public var restoreFailures: Int = 0
    /// Users brought back from the evicted-profile store when they returned.
    public var unevicted: Int = 0
    /// Estimated bytes held by profiles (the figure `maxProfileBytes` is checked against).
    public var profileBytes: Int

    public var applied: Int { appliedByType.reduce(0, +) }

    public func applied(_ type: EventType) -> Int { appliedByType[Int(type.rawValue)] }
}

/// Per-shard counters, written once per part or round under a lock and read by `statistics()`.
struct ShardTotals {
    var profiles = 0
    var appliedByType = [Int](repeating: 0, count: EventType.allCases.count)
    var duplicatesSkipped = 0
    var evictions = 0
    var emissions = 0
    var rounds = 0
    var restoreFailures = 0
    var unevicted = 0
    var profileBytes = 0
    var busyNanoseconds: UInt64 = 0
}
