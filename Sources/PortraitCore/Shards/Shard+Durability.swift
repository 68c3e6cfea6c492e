/// Batch restore, snapshots and lossless eviction of one shard (issue 5). All run on the shard's queue.
extension Shard {
    /// One user's encoded state, as restored, snapshotted or evicted.
    typealias EncodedState = (userId: String, partition: Int32, state: [UInt8])

    /// Installs every state whose user is absent or held at a lower `version`; returns how many were
    /// installed and how many failed to decode.
    ///
    /// States decode outside the catalog lock; their strings are interned under one lock per chunk.
    func restore(_ states: [EncodedState]) -> (installed: Int, failed: Int) {
        let codec = ProfileStateCodec()
        var failed = 0
        var installed = 0
        var pending: [(snapshot: ProfileSnapshot, partition: Int32)] = []
        pending.reserveCapacity(min(states.count, Self.restoreChunk))
        func installPending() {
            guard !pending.isEmpty else { return }
            let profiles = catalog.withState { state in
                pending.map { Profile(snapshot: $0.snapshot, symbols: &state.symbols) }
            }
            for (offset, var profile) in profiles.enumerated() {
                profile.partition = pending[offset].partition
                if install(profile, guarded: true) { installed += 1 }
            }
            pending.removeAll(keepingCapacity: true)
        }
        for entry in states {
            guard var snapshot = try? codec.decode(entry.state) else {
                failed += 1
                continue
            }
            snapshot.userId = entry.userId
            if let slot = store.slot(of: entry.userId), store[slot].version >= snapshot.version { continue }
            pending.append((snapshot, entry.partition))
            if pending.count == Self.restoreChunk { installPending() }
        }
        installPending()
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
            profileBytes -= store[existing].estimatedBytes
            store.remove(existing)
        }
        let (slot, _) = store.slotCreating(profile.userId)
        store.replace(slot, with: profile)
        profileBytes += profile.estimatedBytes
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
        profileBytes += profile.estimatedBytes
        publishTotals { $0.unevicted += 1 }
    }
}
