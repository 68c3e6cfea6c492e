extension Shard {
    /// The §4 record of `userId` stated at `at` (or its own `as_of`), without bumping `version`.
    func profileJSON(userId: String, at: Int64?) -> [UInt8]? {
        guard let slot = store.slot(of: userId) else { return nil }
        let profile = store[slot]
        return catalog.withState {
            ProfileRenderer.render(profile, at: at, symbols: $0.symbols, configuration: configuration)
        }
    }

    /// The §5 record of `userId` stated at `at` (or its own `as_of`).
    func recommendationsJSON(userId: String, at: Int64?) -> [UInt8]? {
        guard let slot = store.slot(of: userId) else { return nil }
        mergePopularity()
        let profile = store[slot]
        let asOf = max(at ?? profile.asOf, profile.asOf)
        return catalog.withState { state in
            let picks = Recommender.recommend(for: profile, at: asOf, catalog: state, configuration: configuration)
            return Recommender.render(
                userId: profile.userId, version: profile.version, asOf: asOf, picks: picks, symbols: state.symbols)
        }
    }

    func snapshot(userId: String) -> ProfileSnapshot? {
        guard let slot = store.slot(of: userId) else { return nil }
        let profile = store[slot]
        return catalog.withState { profile.snapshot(symbols: $0.symbols) }
    }

    /// Installs a restored profile, replacing any held for the same user.
    func restore(_ snapshot: ProfileSnapshot, partition: Int32) {
        var profile = catalog.withState { Profile(snapshot: snapshot, symbols: &$0.symbols) }
        profile.partition = partition
        install(profile, guarded: false)
        publishTotals()
    }

    /// Forgets every user whose latest partition is in `partitions` (pending records included).
    func drop(partitions: Set<Int32>) {
        for slot in store.allSlots() where partitions.contains(store[slot].partition) {
            profileBytes -= store[slot].estimatedBytes
            store.remove(slot)
        }
        publishTotals()
    }
}
