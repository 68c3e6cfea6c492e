import CoreMetrics
import Foundation
import Logging
import PortraitCore
import PortraitKafka
import Synchronization

/// Rebuilds and preserves the profiles of the input partitions this instance owns (CONTRACT §1, §7).
///
/// On assignment of input partition `p`: load the local snapshot of `p` if it is valid and its changelog
/// offset is still in the profiles topic, then replay profiles partition `p` from that offset (or from the
/// beginning) to its end. Each record carries the user's full state (`portrait.state` header) with its
/// per-input-partition offsets, so input replayed after a crash is recognised and skipped: exactly-once
/// state without a distributed transaction. Installation is version-guarded, so replaying records older
/// than the snapshot changes nothing.
///
/// Snapshots are written per partition — periodically, and after the final drain at shutdown — as
/// ``SnapshotFile``s: atomically, versioned, checksummed. A bad snapshot is reported and ignored.
///
/// Thread safety: `restore` runs on the ingest thread (inside the rebalance callback); `snapshot` runs on a
/// background task; both only share the engine (thread-safe), the owned-partition set (`Mutex`) and the
/// file system (one writer per partition file at a time, guarded by `writing`).
final class PartitionStateManager: Sendable {
    private let directory: String
    private let group: String
    private let changelog: ChangelogReader
    private let engine: ProfileEngine
    private let evicted: EvictedProfileFileStore?
    private let metrics: PortraitMetrics
    private let health: ServiceHealth
    private let logger: Logger
    private let owned = Mutex<Set<Int32>>([])
    private let writing = Mutex<Set<Int32>>([])

    init(
        directory: String,
        group: String,
        changelog: ChangelogReader,
        engine: ProfileEngine,
        evicted: EvictedProfileFileStore?,
        metrics: PortraitMetrics,
        health: ServiceHealth,
        logger: Logger
    ) {
        self.directory = directory
        self.group = group
        self.changelog = changelog
        self.engine = engine
        self.evicted = evicted
        self.metrics = metrics
        self.health = health
        self.logger = logger
    }

    var ownedPartitions: Set<Int32> { owned.withLock { $0 } }

    // MARK: Restore

    /// Restores the state of newly assigned `partitions` before any of their input is processed.
    ///
    /// Runs on the ingest thread inside the assignment callback: no input of these partitions is handed
    /// out before it returns. A failure to read the changelog is retried; if it persists, the error is
    /// thrown and the daemon stops (exit 1) rather than run with a partial state.
    func restore(_ partitions: [Int32]) throws {
        guard !partitions.isEmpty else { return }
        metrics.restoringPartitions.record(partitions.count)
        defer { metrics.restoringPartitions.record(0) }
        // One changelog consumer for the whole assignment; a retry after a failure starts a fresh one.
        var session: ChangelogReader.Session?
        defer { session?.close() }
        for (index, partition) in partitions.sorted().enumerated() {
            var attempt = 0
            while true {
                do {
                    if session == nil { session = try changelog.openSession() }
                    try restore(partition, session: session!, label: "restoring \(partition) (\(index + 1)/\(partitions.count))")
                    break
                } catch {
                    session?.close()
                    session = nil
                    attempt += 1
                    guard attempt < 5 else { throw error }
                    logger.warning("restoring partition \(partition) failed (\(error)); retrying")
                    Thread.sleep(forTimeInterval: Double(attempt))
                }
            }
            owned.withLock { _ = $0.insert(partition) }
        }
    }

    private func restore(_ partition: Int32, session: ChangelogReader.Session, label: String) throws {
        health.set(.restoring, "\(label): snapshot")
        do {
            let started = ContinuousClock.now
            let (fromSnapshot, start) = loadSnapshot(partition, session: session)
            var fromChangelog = 0
            try session.read(
                partition: partition, from: start,
                progress: { read, total in
                    self.health.set(.restoring, "\(label): \(read)/\(total)")
                }
            ) { records in
                fromChangelog += records.count
                let states = records.map { (userId: $0.userId, partition: partition, state: $0.state) }
                blockingAwait { _ = await self.engine.restore(states) }
            }
            let elapsed = ContinuousClock.now - started
            metrics.stateRestore.recordNanoseconds(
                Int64(elapsed.components.seconds) * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
            metrics.profilesRestored.increment(by: fromSnapshot + fromChangelog)
            logger.info(
                "restored input partition \(partition)",
                metadata: [
                    "snapshot_profiles": "\(fromSnapshot)", "changelog_records": "\(fromChangelog)",
                    "changelog_from": "\(start)", "duration": "\(elapsed)",
                ]
            )
        }
    }

    /// Installs the partition's snapshot if it is valid; returns how many profiles and the changelog offset to
    /// replay from (0 without a usable snapshot).
    private func loadSnapshot(_ partition: Int32, session: ChangelogReader.Session) -> (Int, Int64) {
        let url = SnapshotFile.url(directory: directory, group: group, topic: changelog.topic, partition: partition)
        let loaded: (header: SnapshotFile.Header, entries: [SnapshotFile.Entry])
        do {
            loaded = try SnapshotFile.read(from: url, group: group, topic: changelog.topic, partition: partition)
        } catch .missing {
            return (0, 0)
        } catch {
            metrics.snapshotsRejected.increment()
            logger.warning("ignoring snapshot \(url.path): \(error); restoring partition \(partition) from the changelog")
            return (0, 0)
        }
        guard let low = try? session.start(partition: partition), let end = try? session.end(partition: partition),
            loaded.header.changelogOffset >= low, loaded.header.changelogOffset <= end
        else {
            // Below the start: retention removed records it relies on. Past the end: the topic was recreated or
            // this is another cluster. Either way the changelog alone is the truth.
            metrics.snapshotsRejected.increment()
            logger.warning("ignoring snapshot \(url.path): its changelog offset \(loaded.header.changelogOffset) is not in the profiles partition")
            return (0, 0)
        }
        let installed = Atomic<Int>(0)
        for chunk in stride(from: 0, to: loaded.entries.count, by: 65_536) {
            let slice = loaded.entries[chunk..<min(chunk + 65_536, loaded.entries.count)].map {
                (userId: $0.userId, partition: partition, state: $0.state)
            }
            blockingAwait { installed.add(await self.engine.restore(slice, checksummed: true), ordering: .relaxed) }
        }
        return (installed.load(ordering: .relaxed), loaded.header.changelogOffset)
    }

    /// Forgets `partitions` (revoked or lost) and the state held for them.
    func release(_ partitions: Set<Int32>) {
        owned.withLock { $0.subtract(partitions) }
        blockingAwait { await self.engine.drop(partitions: partitions) }
        evicted?.drop(partitions: partitions)
    }

    // MARK: Snapshots

    /// Writes a snapshot of each owned partition in `partitions` (all owned when `nil`); returns how many were written.
    @discardableResult
    func snapshot(_ partitions: Set<Int32>? = nil) async -> Int {
        let targets = owned.withLock { owned in partitions.map { $0.intersection(owned) } ?? owned }
        let changelog = self.changelog
        var written = 0
        for partition in targets.sorted() {
            guard writing.withLock({ $0.insert(partition).inserted }) else { continue }
            defer { writing.withLock { _ = $0.remove(partition) } }
            do {
                // The end first: every record below it is reflected in the state read next; records after it
                // are replayed on restore (and ignored by version where the snapshot already has them).
                let end = try await offThePool { try changelog.end(partition: partition) }
                var entries = await engine.snapshot(partitions: [partition]).map {
                    SnapshotFile.Entry(userId: $0.userId, state: $0.state)
                }
                // Profiles evicted for memory are part of the partition's state too.
                entries += evicted?.states(partition: partition).map { SnapshotFile.Entry(userId: $0.userId, state: $0.state) } ?? []
                let header = SnapshotFile.Header(
                    group: group, topic: changelog.topic, partition: partition, changelogOffset: end,
                    createdMs: Int64(Date().timeIntervalSince1970 * 1_000), count: UInt32(entries.count))
                let bytes = SnapshotFile.encode(header: header, entries: entries)
                let url = SnapshotFile.url(directory: directory, group: group, topic: changelog.topic, partition: partition)
                try await offThePool { try SnapshotFile.write(bytes, to: url) }
                metrics.snapshotsWritten.increment()
                written += 1
            } catch {
                metrics.snapshotErrors.increment()
                logger.warning("snapshot of partition \(partition) failed: \(error)")
            }
        }
        return written
    }
}
