/// Where the engine hands its output: emission rounds, back-pressure changes, evicted state.
public protocol EmissionSink: AnyObject, Sendable {
    /// Called on the shard's queue. `emissions` are the coalesced records of one round; `tokens` are the
    /// submitted parts all of whose events were applied before this round was cut — they are "fully
    /// processed" once every record of this round (and of the shard's earlier rounds) is durable.
    /// A round may have tokens and no emissions. A large round arrives in pieces, each but the last with
    /// `continues` set and no tokens: the tokens wait for the records of every piece.
    func emit(_ round: EmissionRound)
    /// Called when the engine crosses the high-water mark (true) or falls below the low-water mark (false).
    ///
    /// - Important: called with the engine's back-pressure lock held, so that signals arrive in order;
    ///   do not call back into the engine synchronously from here.
    func backpressureChanged(overHighWater: Bool)
    /// A profile was evicted for memory (`state` is its full encoded state, see `ProfileStateCodec`).
    func evicted(userId: String, partition: Int32, state: [UInt8])
}

/// The records of one emission round of one shard.
public struct EmissionRound: Sendable {
    public var shard: Int
    public var emissions: [Emission]
    public var tokens: [UInt64]
    /// More pieces of this round follow (at most `EngineConfiguration.usersPerEmissionPiece` users each, so that a
    /// shard never holds a whole large round's records at once); only the last piece carries the tokens.
    public var continues: Bool

    public init(shard: Int, emissions: [Emission], tokens: [UInt64], continues: Bool = false) {
        self.shard = shard
        self.emissions = emissions
        self.tokens = tokens
        self.continues = continues
    }
}

/// One user's coalesced output of a round: the profile (§4) and recommendation (§5) records.
///
/// A round renders its records into shared chunks (`EmissionRenderer.chunkBytes`): `profile` and `recommendations`
/// are slices of one (an allocation per few dozen users, not two per user; a sink that keeps a slice keeps its
/// chunk).
public struct Emission: Sendable {
    public var userId: String
    /// The input partition of the user's latest applied event.
    public var partition: Int32
    /// Strictly increasing per user.
    public var version: UInt64
    public var profile: ArraySlice<UInt8>
    public var recommendations: ArraySlice<UInt8>
    /// The user's full state at `version`, encoded by `ProfileStateCodec` (the daemon sends it with the
    /// profile record as the `portrait.state` header: the profiles topic is the changelog that restores state).
    public var state: [UInt8]

    public init(
        userId: String, partition: Int32, version: UInt64, profile: ArraySlice<UInt8>,
        recommendations: ArraySlice<UInt8>, state: [UInt8] = []
    ) {
        self.userId = userId
        self.partition = partition
        self.version = version
        self.profile = profile
        self.recommendations = recommendations
        self.state = state
    }
}
