/// Batch restore, snapshots and lossless eviction of one shard (issue 5). All run on the shard's queue.
extension Shard {
    /// One user's encoded state, as restored, snapshotted or evicted.
    typealias EncodedState = (userId: String, partition: Int32, state: [UInt8])

    /// Installs every state whose user is absent or held at a lower `version`; returns how many were
    /// installed and how many failed to decode.
    ///
    /// States decode outside the catalog lock straight into a `ProfileStateBatch`; the strings of a
    /// whole chunk are interned under one lock acquisition.
    func restore(_ states: [EncodedState], verifyChecksums: Bool = true) -> (installed: Int, failed: Int) {
        var failed = 0
        var installed = 0
        var batch = ProfileStateBatch()
        batch.cache = restoreNames
        restoreNames = SmallNameCache()
        defer { restoreNames = batch.cache }
        batch.reserveCapacity(min(states.count, Self.restoreChunk))
        func installBatch() {
            guard batch.count > 0 else { return }
            let ids = catalog.withState { batch.intern(into: &$0.symbols) }
            batch.learn(ids)
            for index in 0..<batch.count where install(batch.profile(index, ids: ids), guarded: true) { installed += 1 }
            batch.removeAll()
        }
        for entry in states {
            guard let version = try? batch.add(
                userId: entry.userId, partition: entry.partition, state: entry.state, verifyChecksum: verifyChecksums) else {
                failed += 1
                continue
            }
            if let slot = store.slot(of: entry.userId), store.slab[Int(slot)].version >= version {
                batch.removeLast()
                continue
            }
            if batch.count == Self.restoreChunk { installBatch() }
        }
        installBatch()
        publishTotals { $0.restoreFailures += failed }
        return (installed, failed)
    }

    /// Profiles decoded per catalog lock acquisition during a batch restore.
    static var restoreChunk: Int { 4_096 }

    /// Installs `profile` (already interned) as its user's state; with `guarded`, only if the user is
    /// absent or held at a lower version. The new profile is not dirty: its state came from output.
    @discardableResult
    func install(_ profile: Profile, guarded: Bool) -> Bool {
        if let existing = store.slot(of: profile.userId) {
            if guarded, store[existing].version >= profile.version { return false }
            profileBytes -= Int(store[existing].accountedBytes)
            store.remove(existing)
        }
        let (slot, _) = store.slotCreating(profile.userId)
        store.replace(slot, with: profile)
        store[slot].accountedBytes = 0
        account(slot)
        return true
    }

    /// The encoded state of every held user whose partition is in `partitions`, as of now.
    ///
    /// Symbol names come from one copy-on-write view of the catalog, so the lock is held only to
    /// take the view.
    func snapshot(partitions: Set<Int32>) -> [EncodedState] {
        let symbols = catalog.withState { $0.symbols }
        let codec = ProfileStateCodec()
        var result: [EncodedState] = []
        for slot in store.allSlots() where partitions.contains(store[slot].partition) {
            let profile = store[slot]
            result.append((profile.userId, profile.partition, codec.encode(profile.snapshot(symbols: symbols))))
        }
        return result
    }

    /// Restores `userId` from the evicted-profile store into the freshly created `slot`, if the store
    /// holds it. A state that fails to decode is counted and dropped (the user starts empty).
    func restoreEvicted(_ userId: String, into slot: Int32) {
        guard let evictedStore, let (partition, state) = evictedStore.take(userId: userId) else { return }
        guard var snapshot = try? ProfileStateCodec().decode(state) else {
            publishTotals { $0.restoreFailures += 1 }
            return
        }
        snapshot.userId = userId
        let decoded = snapshot
        var profile = catalog.withState { Profile(snapshot: decoded, symbols: &$0.symbols) }
        profile.partition = partition
        store.replace(slot, with: profile)
        store[slot].accountedBytes = 0
        account(slot)
        publishTotals { $0.unevicted += 1 }
    }
}
