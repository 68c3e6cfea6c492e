import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything the profile engine needs to know; plain values with the contract's defaults.
public struct EngineConfiguration: Sendable {
    /// Half-life H of the event-time decay, seconds (CONTRACT §4).
    public var halfLifeSeconds: Double = 86_400
    public var weights: EventWeights = .default
    /// Entries in `interests` and `authors` of a profile record.
    public var topN: Int = 20
    /// Items in a recommendation record.
    public var recommendationsK: Int = 20
    /// Share of recommendation slots given to popular items outside the user's top interests.
    public var explorationShare: Double = 0.1
    public var maxTagsPerUser: Int = 256
    public var maxAuthorsPerUser: Int = 256
    public var maxItemsPerAuthorInRecommendations: Int = 3
    public var seenItemsPerUser: Int = 1_000
    /// Items and authors marked `not_interested` kept per user (oldest forgotten first).
    public var notInterestedPerUser: Int = 256
    /// Interval between emission rounds; 0 = emit right after each applied part.
    public var emitIntervalMs: Int = 1_000
    /// While the input is catching up (see ``ProfileEngine/setCatchingUp(_:)``), rounds are this far apart
    /// instead (never closer than `emitIntervalMs`); values ≤ `emitIntervalMs` turn the stretching off, and so
    /// does an `emitIntervalMs` of 0.
    public var catchUpEmitIntervalMs: Int = 10_000
    /// A round with more dirty users than this is rendered and handed to the sink in pieces of this many users
    /// (about 10 MB of records at the default): a round's memory is bounded however many users it covers.
    public var usersPerEmissionPiece: Int = 4_096
    public var shardCount: Int = ProcessInfoLite.activeProcessorCount
    public var shardHighWaterEvents: Int = 65_536
    public var shardLowWaterEvents: Int = 16_384
    /// Process-wide cap on profiles held; idle profiles beyond it are evicted least-recently-active first.
    public var maxProfiles: Int? = nil
    /// Process-wide cap on the estimated bytes of all profiles.
    public var maxProfileBytes: Int? = nil
    /// Items kept per tag in the recommendation candidate lists.
    public var candidatesPerTag: Int = 16
    /// Top interests of a user used to pick recommendation candidates.
    public var interestsForRecommendations: Int = 6

    public init() {}

    /// Half-life in milliseconds, the unit of event time.
    var halfLifeMs: Double { halfLifeSeconds * 1_000 }

    /// Whether rounds stretch to `catchUpEmitIntervalMs` while catching up.
    var stretchesRoundsWhileCatchingUp: Bool { emitIntervalMs > 0 && catchUpEmitIntervalMs > emitIntervalMs }
}

/// The processor count without Foundation (`sysconf` through Glibc/Darwin).
public enum ProcessInfoLite {
    public static var activeProcessorCount: Int {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #elseif canImport(Darwin)
        return max(1, Int(sysconf(_SC_NPROCESSORS_ONLN)))
        #else
        return 1
        #endif
    }
}
