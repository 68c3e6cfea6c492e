import Dispatch
import Synchronization

/// The profile engine: N serial shards each owning its users, fed in batches, emitting coalesced
/// records through an `EmissionSink`.
///
/// Users are routed by FNV-1a of `user_id` modulo the shard count (stable across processes).
/// A batch is split into one part per shard touched; each part crosses to its shard's queue as the shared
/// batch array plus the indices of its events, and its token comes back in exactly one `EmissionRound`.
public final class ProfileEngine: Sendable {
    public let configuration: EngineConfiguration
    public let catalog: ItemCatalog
    let shards: [Shard]
    private let gate: BackpressureGate
    private let clock: @Sendable () -> Int64
    private let catchingUp = Atomic<Bool>(false)

    public init(
        configuration: EngineConfiguration,
        catalog: ItemCatalog,
        sink: any EmissionSink,
        clock: @escaping @Sendable () -> Int64,
        evictedStore: (any EvictedProfileStore)? = nil
    ) {
        var configuration = configuration
        configuration.shardCount = max(1, configuration.shardCount)
        self.configuration = configuration
        self.catalog = catalog
        self.clock = clock
        let count = configuration.shardCount
        let gate = BackpressureGate(
            shards: count, high: configuration.shardHighWaterEvents, low: configuration.shardLowWaterEvents,
            sink: sink)
        self.gate = gate
        let budget = MemoryBudget(
            profiles: configuration.maxProfiles.map { max(1, $0 / count) },
            bytes: configuration.maxProfileBytes.map { max(1, $0 / count) })
        self.shards = (0..<count).map {
            Shard(
                index: $0, configuration: configuration, catalog: catalog, sink: sink, gate: gate, budget: budget,
                evictedStore: evictedStore)
        }
        for shard in shards { shard.start() }
    }

    public func shardIndex(for userId: String) -> Int {
        var userId = userId
        return userId.withUTF8 { shardIndex(forUTF8: $0) }
    }

    /// `shardIndex(for:)` of a user id given as its UTF-8 bytes (an arena string of a batch).
    private func shardIndex(forUTF8 userId: UnsafeBufferPointer<UInt8>) -> Int {
        Int(StableHash.fnv1a(userId) % UInt64(shards.count))
    }

    /// Splits the batch by shard and hands each part over; returns the number of parts (0 for an
    /// empty batch, whose token is then never reported).
    ///
    /// With several shards a part is the batch itself plus the indices of its shard's events: every shard shares
    /// the one batch (its storage is not copied).
    @discardableResult
    public func submit(_ batch: InteractionBatch, token: UInt64) -> Int {
        guard !batch.isEmpty else { return 0 }
        if shards.count == 1 {
            hand(batch, indices: nil, count: batch.count, to: shards[0], token: token)
            return 1
        }
        var parts = [[Int32]](repeating: [], count: shards.count)
        batch.withView { view in
            for offset in view.events.indices {
                let shard = shardIndex(forUTF8: view.buffer(view.events[offset].user))
                parts[shard].append(Int32(truncatingIfNeeded: offset))
            }
        }
        var handed = 0
        for (index, part) in parts.enumerated() where !part.isEmpty {
            hand(batch, indices: part, count: part.count, to: shards[index], token: token)
            handed += 1
        }
        return handed
    }

    /// `submit(_:token:)` for events held as `Interaction`s (tests and tools).
    @discardableResult
    public func submit(_ events: [PositionedInteraction], token: UInt64) -> Int {
        submit(InteractionBatch(events), token: token)
    }

    private func hand(_ batch: InteractionBatch, indices: [Int32]?, count: Int, to shard: Shard, token: UInt64) {
        gate.submitted(count, shard: shard.index)
        shard.queue.async { shard.apply(batch, indices: indices, token: token) }
    }

    /// Tells the engine whether its input is catching up (far behind the end of the log).
    ///
    /// While it is, each shard cuts a round only every `catchUpEmitIntervalMs` instead of every `emitIntervalMs`
    /// (or sooner when over its memory budget): in a backlog a user's record would be superseded a moment later
    /// anyway, and rendering and publishing it every interval costs a large share of the catch-up (in `bench e2e`:
    /// 2.4 times the records and 1.4–1.6 times the CPU per event). Coalescing stays within the contract — fewer records,
    /// never more than one per emit interval — and the last record of each user still reflects every event.
    /// When catching up ends, each shard's next round is due at once, or one emit interval after its previous
    /// full round if that was more recent. Shards see a change in order with the parts: a part submitted while
    /// catching up is applied under the stretched interval even if catching up ended before the shard got to it.
    public func setCatchingUp(_ value: Bool) {
        guard catchingUp.exchange(value, ordering: .relaxed) != value else { return }
        for shard in shards { shard.queue.async { shard.setCatchingUp(value) } }
    }

    /// Whether the input was last said to be catching up.
    public var isCatchingUp: Bool { catchingUp.load(ordering: .relaxed) }

    /// Emits a round now in every shard (only users of `partitions`, if given), after all parts
    /// submitted before the call are applied. The shards render their rounds in parallel (a revocation
    /// or shutdown waits for the slowest shard, not for the sum of them).
    public func flush(partitions: Set<Int32>?) async {
        await withTaskGroup(of: Void.self) { group in
            for shard in shards { group.addTask { await shard.perform { $0.cutRound(partitions: partitions) } } }
        }
    }

    /// Returns once every shard has applied every part submitted before the call (no round is cut).
    public func barrier() async {
        await withTaskGroup(of: Void.self) { group in
            for shard in shards { group.addTask { await shard.perform { _ in } } }
        }
    }

    /// Forgets users whose partition is in the set.
    public func drop(partitions: Set<Int32>) async {
        for shard in shards {
            await shard.perform { $0.drop(partitions: partitions) }
        }
    }

    public func profileJSON(userId: String, at: Int64?) async -> [UInt8]? {
        await shard(for: userId).perform { $0.profileJSON(userId: userId, at: at) }
    }

    public func recommendationsJSON(userId: String, at: Int64?) async -> [UInt8]? {
        await shard(for: userId).perform { $0.recommendationsJSON(userId: userId, at: at) }
    }

    /// The user's full state, `ProfileStateCodec`-encoded.
    public func encodedState(userId: String) async -> [UInt8]? {
        guard let snapshot = await shard(for: userId).perform({ $0.snapshot(userId: userId) }) else { return nil }
        return ProfileStateCodec().encode(snapshot)
    }

    /// Installs a user's state decoded from `state` (e.g. the changelog or an evicted profile).
    public func restore(userId: String, partition: Int32, state: [UInt8]) async throws {
        var snapshot = try ProfileStateCodec().decode(state)
        snapshot.userId = userId
        let decoded = snapshot
        await shard(for: userId).perform { $0.restore(decoded, partition: partition) }
    }

    public func statistics() -> EngineStatistics {
        var statistics = EngineStatistics(
            profilesPerShard: [], inFlightPerShard: gate.inFlight,
            appliedByType: Array(repeating: 0, count: EventType.allCases.count), duplicatesSkipped: 0,
            evictions: 0, emissions: 0, rounds: 0, profileBytes: 0)
        for shard in shards {
            let totals = shard.totals.withLock { $0 }
            statistics.profilesPerShard.append(totals.profiles)
            statistics.appliedPerShard.append(totals.appliedByType.reduce(0, +))
            statistics.busySecondsPerShard.append(Double(totals.busyNanoseconds) / 1e9)
            for index in totals.appliedByType.indices { statistics.appliedByType[index] += totals.appliedByType[index] }
            statistics.duplicatesSkipped += totals.duplicatesSkipped
            statistics.evictions += totals.evictions
            statistics.emissions += totals.emissions
            statistics.rounds += totals.rounds
            statistics.restoreFailures += totals.restoreFailures
            statistics.unevicted += totals.unevicted
            statistics.profileBytes += totals.profileBytes
        }
        return statistics
    }

    /// Emits everything pending and stops the timers; the engine accepts no more work after this.
    public func shutdown() async {
        for shard in shards {
            await shard.perform { shard in
                shard.cutRound(partitions: nil)
                shard.stop()
            }
        }
    }

    /// The current wall clock of the engine, ms.
    public var now: Int64 { clock() }

    private func shard(for userId: String) -> Shard {
        shards[shardIndex(for: userId)]
    }
}
