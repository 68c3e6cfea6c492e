/// Where a shard parks the full state of a profile it evicts for memory, so that eviction is lossless.
///
/// Injected through `ProfileEngine.init(…, evictedStore:)`; `nil` keeps the lossy behaviour (an
/// evicted user who returns starts from an empty profile). When an event arrives for a user the
/// shard does not hold, the shard calls `take(userId:)` first and restores what it gets before
/// applying the event. Only idle users are evicted (everything they hold has been emitted), so a
/// stored state is never newer than the user's latest changelog record.
///
/// Both methods are called on the evicting / applying shard's serial queue, possibly from several
/// shards at once; implementations must be thread-safe and should be quick (they run on the hot path
/// of a returning user).
public protocol EvictedProfileStore: Sendable {
    /// Keeps `state` (a `ProfileStateCodec` encoding) of `userId`, replacing any older one.
    func store(userId: String, partition: Int32, state: [UInt8])
    /// Removes and returns the state kept for `userId`, if any.
    func take(userId: String) -> (partition: Int32, state: [UInt8])?
}
