extension Shard {
    /// The §4 record of `userId` stated at `at` (or its own `as_of`), without bumping `version`.
    func profileJSON(userId: String, at: Int64?) -> [UInt8]? {
        guard let slot = store.slot(of: userId) else { return nil }
        return renderer.profileJSON(store[slot], at: at, catalog: catalog)
    }

    /// The §5 record of `userId` stated at `at` (or its own `as_of`).
    func recommendationsJSON(userId: String, at: Int64?) -> [UInt8]? {
        guard let slot = store.slot(of: userId) else { return nil }
        mergePopularity()
        return renderer.recommendationsJSON(store[slot], at: at, catalog: catalog)
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
            profileBytes -= Int(store[slot].accountedBytes)
            store.remove(slot)
        }
        publishTotals()
    }
}
