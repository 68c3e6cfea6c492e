import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One serial worker: owns its users' profiles outright and cuts their emission rounds.
///
/// Thread safety: every mutable stored property except `totals` is touched only on `queue`
/// (parts, rounds, queries and the timer all run there); `totals` is a `Mutex` read by
/// `statistics()` from any thread.
final class Shard: @unchecked Sendable {
    let index: Int
    let queue: DispatchQueue
    let configuration: EngineConfiguration
    let catalog: ItemCatalog
    let sink: any EmissionSink
    let gate: BackpressureGate
    let totals = Mutex(ShardTotals())
    let budget: MemoryBudget
    let evictedStore: (any EvictedProfileStore)?

    var store: ProfileStore
    /// Renders rounds and queries (names, candidate view and buffers kept between rounds).
    var renderer: EmissionRenderer
    private var symbolCache = SymbolCache()
    /// Popularity of this shard's applied events not yet merged into the catalog (see `mergePopularity`).
    var popularity: PopularityDeltas
    private var pendingTokens: [UInt64] = []
    private var timer: (any DispatchSourceTimer)?
    /// When the last round of every dirty user (a timer round or a full flush) was cut.
    private var lastFullRound = DispatchTime.now()
    /// The engine's "input is catching up", as of the parts queued so far: set by a block queued behind them, so
    /// a timer tick waiting in the queue among parts submitted while catching up still sees it set.
    private var catchingUp = false
    var profileBytes = 0
    /// Short names resolved by batch restores (see `SmallNameCache`).
    var restoreNames = SmallNameCache()

    init(
        index: Int, configuration: EngineConfiguration, catalog: ItemCatalog, sink: any EmissionSink,
        gate: BackpressureGate, budget: MemoryBudget, evictedStore: (any EvictedProfileStore)? = nil
    ) {
        self.index = index
        self.queue = DispatchQueue(label: "portrait.shard.\(index)")
        self.configuration = configuration
        self.catalog = catalog
        self.sink = sink
        self.gate = gate
        self.budget = budget
        self.evictedStore = evictedStore
        self.popularity = PopularityDeltas(halfLifeMs: configuration.halfLifeMs)
        self.store = ProfileStore(tracksRecency: budget.profiles != nil || budget.bytes != nil)
        self.renderer = EmissionRenderer(configuration: configuration)
    }

    /// Starts the emission timer (call once, from any thread).
    func start() {
        guard configuration.emitIntervalMs > 0 else { return }
        queue.async {
            let timer = DispatchSource.makeTimerSource(queue: self.queue)
            let interval = DispatchTimeInterval.milliseconds(self.configuration.emitIntervalMs)
            timer.schedule(deadline: .now() + interval, repeating: interval)
            timer.setEventHandler { [weak self] in self?.tick() }
            timer.resume()
            self.timer = timer
        }
    }

    /// The timer's round: skipped while catching up, until `catchUpEmitIntervalMs` has passed since the last full
    /// round or the shard is over its memory budget (evicting needs clean profiles, and only a round cleans them).
    private func tick() {
        if configuration.stretchesRoundsWhileCatchingUp, catchingUp, !isOverBudget,
            DispatchTime.now().uptimeNanoseconds &- lastFullRound.uptimeNanoseconds
                < UInt64(configuration.catchUpEmitIntervalMs) * 1_000_000
        {
            return
        }
        cutRound(partitions: nil)
    }

    /// Runs behind the parts submitted before the engine's flag changed. When catching up ends, the next round is
    /// due at once, or one emit interval after the last full round if that was more recent (rounds stay at least
    /// an emit interval apart); the timer keeps its cadence from there.
    func setCatchingUp(_ value: Bool) {
        catchingUp = value
        guard !value, configuration.stretchesRoundsWhileCatchingUp, let timer else { return }
        let interval = DispatchTimeInterval.milliseconds(configuration.emitIntervalMs)
        let due = lastFullRound + interval
        timer.schedule(deadline: max(due, .now()), repeating: interval)
    }

    func stop() {
        timer?.cancel()
        timer = nil
    }

    deinit {
        timer?.cancel()
    }

    /// Runs `body` on the shard queue and returns its result.
    func perform<Result: Sendable>(_ body: @escaping @Sendable (Shard) -> Result) async -> Result {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body(self)) }
        }
    }

    /// Applies one part — the events of `batch` at `indices` (all of them when `nil`): dedupe, resolve under one
    /// catalog lock, apply, then count and maybe cut.
    func apply(_ batch: InteractionBatch, indices: [Int32]? = nil, token: UInt64) {
        let started = threadCPUNanoseconds()
        let count = indices?.count ?? batch.count
        let resolved = batch.withView { view in
            let (slots, created) = Self.slots(of: view, indices: indices, in: &store)
            if evictedStore != nil {
                for (offset, slot) in created { restoreEvicted(view.string(view.events[offset].user), into: slot) }
            }
            let (accepted, duplicates) = Self.admit(view, indices: indices, slots: slots, in: &store)
            let cached = symbolCache.lookup(view, accepted: accepted)
            let resolved = renderer.withNames { names in
                catalog.resolve(view, accepted: accepted, cached: cached, names: &names)
            }
            return (resolved, created, duplicates)
        }
        let (part, created, duplicates) = resolved
        symbolCache.learn(part.learned)
        var applied = [Int](repeating: 0, count: EventType.allCases.count)
        renderer.withNames { names in
            Self.apply(
                part, to: &store, popularity: &popularity, profileBytes: &profileBytes, names: &names,
                applied: &applied, configuration: configuration, catalog: catalog)
        }
        // A profile created only for duplicates has nothing to emit: forget it again.
        for (_, slot) in created where store[slot].events == 0 { store.remove(slot) }
        let busy = threadCPUNanoseconds() &- started
        publishTotals { totals in
            for index in applied.indices { totals.appliedByType[index] += applied[index] }
            totals.duplicatesSkipped += duplicates
            totals.busyNanoseconds &+= busy
        }
        gate.applied(count, shard: index)
        pendingTokens.append(token)
        if configuration.emitIntervalMs == 0 { cutRound(partitions: nil) }
    }

    /// The slot of each event's user (in part order), creating profiles; the created ones with the offset of the
    /// event that created them. Like the loops below, a static function over `inout` state (see `apply(_:to:…)`).
    ///
    /// Two passes, so the misses overlap: the first prefetches each user's index probe (the decoder hashed the
    /// id), the second looks each up while prefetching the slab entry a few events ahead will compare.
    private static func slots(of view: BatchView, indices: [Int32]?, in store: inout ProfileStore)
        -> (slots: [Int32], created: [(offset: Int, slot: Int32)])
    {
        let count = indices?.count ?? view.events.count
        for ordinal in 0..<count {
            let offset = indices.map { Int($0[ordinal]) } ?? ordinal
            store.prefetchIndex(hash: view.events[offset].user.hash)
        }
        var slots: [Int32] = []
        slots.reserveCapacity(count)
        var created: [(offset: Int, slot: Int32)] = []
        let ahead = ProfileStore.entryPrefetchDistance
        for ordinal in 0..<count {
            if ordinal &+ ahead < count {
                let offset = indices.map { Int($0[ordinal &+ ahead]) } ?? ordinal &+ ahead
                store.prefetchCandidate(hash: view.events[offset].user.hash)
            }
            let offset = indices.map { Int($0[ordinal]) } ?? ordinal
            let (slot, isNew) = store.slotCreating(view.events[offset].user, in: view)
            if isNew { created.append((offset, slot)) }
            slots.append(slot)
        }
        return (slots, created)
    }

    /// The events not applied before (by their user's applied offsets), with their slots; records them as applied.
    /// Runs after evicted profiles were restored, so a restored user's duplicates are recognised.
    private static func admit(
        _ view: BatchView, indices: [Int32]?, slots: [Int32], in store: inout ProfileStore
    ) -> (accepted: [(index: Int, slot: Int32)], duplicates: Int) {
        var accepted: [(index: Int, slot: Int32)] = []
        accepted.reserveCapacity(slots.count)
        var duplicates = 0
        let entryAhead = ProfileStore.entryPrefetchDistance
        for (ordinal, slot) in slots.enumerated() {
            if ordinal &+ entryAhead < slots.count { store.prefetchEntry(slots[ordinal &+ entryAhead]) }
            let offset = indices.map { Int($0[ordinal]) } ?? ordinal
            guard store[slot].admit(view.events[offset].position) else {
                duplicates += 1
                continue
            }
            accepted.append((offset, slot))
        }
        return (accepted, duplicates)
    }

    /// The per-event loop of `apply(_:indices:token:)`, over `inout` state: each access to a stored property of this
    /// class from the loop would be a dynamic exclusivity check (`swift_beginAccess`, a thread-local lookup), five
    /// per event; here the checks are made once per part.
    private static func apply(
        _ resolved: ResolvedPart, to store: inout ProfileStore, popularity: inout PopularityDeltas,
        profileBytes: inout Int, names: inout SymbolNames, applied: inout [Int], configuration: EngineConfiguration,
        catalog: ItemCatalog
    ) {
        let events = resolved.events
        let (entryAhead, wordsAhead) = (ProfileStore.entryPrefetchDistance, ProfileStore.wordsPrefetchDistance)
        // Tags through a pointer: a slice of the pool per event retained and released its buffer.
        resolved.tagPool.withUnsafeBufferPointer { pool in
            for index in events.indices {
                // The profiles of the next events are fetched while this one is applied
                // (see `ProfileStore.prefetchEntry`).
                if index &+ entryAhead < events.count { store.prefetchEntry(events[index &+ entryAhead].slot) }
                if index &+ wordsAhead < events.count { store.prefetchWords(events[index &+ wordsAhead].slot) }
                let event = events[index]
                if !popularity.add(item: event.item, weight: event.weight, at: event.timestamp) {
                    // The event is past the deltas' range: merge them and start anew.
                    merge(&popularity, into: catalog)
                    _ = popularity.add(item: event.item, weight: event.weight, at: event.timestamp)
                }
                let tags = UnsafeBufferPointer(
                    rebasing: pool[Int(event.tagStart)..<Int(event.tagStart + event.tagCount)])
                store[event.slot].apply(event, tags: tags, configuration: configuration, names: &names, catalog: catalog)
                account(event.slot, in: &store, total: &profileBytes)
                store.touch(event.slot)
                applied[Int(event.type.rawValue)] += 1
            }
        }
    }

    /// Brings `profileBytes` up to date with the profile in `slot`.
    ///
    /// Only the size after a change is computed: the arrays it reads were just touched, whereas a
    /// size taken before the change would be the event's first (cold) touch of them.
    func account(_ slot: Int32) {
        Self.account(slot, in: &store, total: &profileBytes)
    }

    private static func account(_ slot: Int32, in store: inout ProfileStore, total: inout Int) {
        let bytes = UInt32(clamping: store[slot].estimatedBytes)
        total += Int(bytes) - Int(store[slot].accountedBytes)
        store[slot].accountedBytes = bytes
    }

    /// Adds this shard's pending popularity to the shared catalog (one lock).
    ///
    /// Runs when a round is cut and before a recommendation query, so what this shard renders
    /// always includes its own events. Another shard's events reach the catalog at that shard's
    /// next round (at most one emit interval later).
    func mergePopularity() {
        Self.merge(&popularity, into: catalog)
    }

    private static func merge(_ popularity: inout PopularityDeltas, into catalog: ItemCatalog) {
        guard !popularity.isEmpty else { return }
        catalog.withState { $0.merge(&popularity) }
    }

    /// Updates the shared counters (profiles and bytes always refreshed).
    func publishTotals(_ update: (inout ShardTotals) -> Void = { _ in }) {
        let profiles = store.count
        let bytes = profileBytes
        totals.withLock { totals in
            update(&totals)
            totals.profiles = profiles
            totals.profileBytes = bytes
        }
    }

    /// Renders every dirty user (of `partitions`, if given) once and hands the round to the sink.
    ///
    /// Tokens go out only when no dirty user remains, so a token is never reported while some
    /// effect of its part is still unpublished.
    func cutRound(partitions: Set<Int32>?) {
        let started = threadCPUNanoseconds()
        if partitions == nil { lastFullRound = .now() }
        let slots = store.takeDirty { partitions == nil || partitions!.contains($0.partition) }
        var tokens: [UInt64] = []
        if store.dirty.isEmpty {
            tokens = pendingTokens
            pendingTokens.removeAll(keepingCapacity: true)
        }
        guard !slots.isEmpty || !tokens.isEmpty else { return }
        // Popularity summed in this shard since the last round reaches the shared catalog first.
        mergePopularity()
        for slot in slots {
            store[slot].version += 1
            // With rounds after every part (interval 0) the next event would re-grow exactly trimmed arrays;
            // at a real interval a profile is likely idle for a while and gets its slack back in full.
            if configuration.emitIntervalMs == 0 { store[slot].compactLeavingHeadroom() } else { store[slot].compact() }
            account(slot)
        }
        // One catalog lock per piece (missing names and the needed candidate lists are copied); rendering runs
        // outside it while other shards keep ingesting. A piece is handed over before the next is rendered.
        let piece = max(1, configuration.usersPerEmissionPiece)
        var start = 0
        repeat {
            let end = min(slots.count, start + piece)
            let emissions = renderer.render(slots[start..<end], store: store, catalog: catalog)
            let last = end == slots.count
            if last {
                let busy = threadCPUNanoseconds() &- started
                publishTotals { totals in
                    totals.emissions += slots.count
                    totals.rounds += 1
                    totals.busyNanoseconds &+= busy
                }
            }
            sink.emit(EmissionRound(shard: index, emissions: emissions, tokens: last ? tokens : [], continues: !last))
            start = end
        } while start < slots.count
        enforceBudget()
    }

    /// Evicts least-recently-active idle profiles while the shard is over its share of the caps.
    func enforceBudget() {
        var evicted = 0
        while isOverBudget, let slot = store.oldestIdle() {
            let profile = store[slot]
            let state = catalog.withState { ProfileStateCodec().encode(profile.snapshot(symbols: $0.symbols)) }
            profileBytes -= Int(profile.accountedBytes)
            store.remove(slot)
            evicted += 1
            evictedStore?.store(userId: profile.userId, partition: profile.partition, state: state)
            sink.evicted(userId: profile.userId, partition: profile.partition, state: state)
        }
        if evicted > 0 { publishTotals { $0.evictions += evicted } }
    }

    private var isOverBudget: Bool {
        if let limit = budget.profiles, store.count > limit { return true }
        if let limit = budget.bytes, profileBytes > limit { return true }
        return false
    }
}

/// CPU time of the calling thread, ns: a part or a round runs on one thread from start to end.
private func threadCPUNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
}

/// One shard's share of the process-wide profile caps.
struct MemoryBudget: Sendable {
    var profiles: Int?
    var bytes: Int?
}
