/// Batch restore and snapshots for the daemon's durability flows (issue 5).
extension ProfileEngine {
    /// Installs many users' states at once, each shard restoring its share in parallel; returns how
    /// many were installed.
    ///
    /// Version-guarded: a state is installed only if its user is absent or held at a lower `version`
    /// (changelog replay after a snapshot may deliver older records). A state that fails to decode is
    /// skipped and counted in `EngineStatistics.restoreFailures`. Installed profiles are not dirty.
    /// Runs after every part submitted before the call (a shard's queue is serial).
    ///
    /// `checksummed`: the states come from a container verified as a whole (a snapshot file), so
    /// each state's own checksum is not recomputed (a large share of the decoding cost).
    public func restore(_ states: [(userId: String, partition: Int32, state: [UInt8])], checksummed: Bool = false) async -> Int {
        guard !states.isEmpty else { return 0 }
        var parts = [[Shard.EncodedState]](repeating: [], count: shards.count)
        for entry in states { parts[shardIndex(for: entry.userId)].append(entry) }
        return await withTaskGroup(of: Int.self) { group in
            for (index, part) in parts.enumerated() where !part.isEmpty {
                let shard = shards[index]
                group.addTask { await shard.perform { $0.restore(part, verifyChecksums: !checksummed).installed } }
            }
            return await group.reduce(0, +)
        }
    }

    /// The encoded state of every held user whose partition is in `partitions`.
    ///
    /// Each shard contributes what it holds at the moment its turn runs (after the parts submitted
    /// before the call); shards run in parallel. For millions of users prefer
    /// `snapshot(partitions:eachShard:)`, which never holds more than one shard's states.
    public func snapshot(partitions: Set<Int32>) async -> [(userId: String, partition: Int32, state: [UInt8])] {
        await withTaskGroup(of: [Shard.EncodedState].self) { group in
            for shard in shards {
                group.addTask { await shard.perform { $0.snapshot(partitions: partitions) } }
            }
            var result: [Shard.EncodedState] = []
            for await part in group { result += part }
            return result
        }
    }

    /// Streams the snapshot shard by shard: `body` gets each shard's consistent states (possibly an
    /// empty array), one shard at a time, on the calling task.
    public func snapshot(
        partitions: Set<Int32>,
        eachShard body: ([(userId: String, partition: Int32, state: [UInt8])]) async throws -> Void
    ) async rethrows {
        for shard in shards {
            let part = await shard.perform { $0.snapshot(partitions: partitions) }
            try await body(part)
        }
    }
}
