import Foundation
import Logging
import PortraitCore
import PortraitKafka
import Testing

/// One durability scenario: a mock cluster, a seeded workload streamed into it, `portraitd` instances with their
/// own state directories, and the check that the published profiles equal the reference.
///
/// "Complete" means the group's committed offsets on the input topic equal its end offsets and the profiles
/// topic has been quiet for two seconds; the final profile of a user is its record with the highest `version`
/// (then the highest offset) on the profiles topic.
final class DurableRun: Sendable {
    static let group = "portrait"
    static let inputTopic = "interactions"
    static let profilesTopic = "portrait.profiles"

    let cluster: TestCluster
    let workload: DurabilityWorkload
    let producer: WorkloadProducer
    let root: URL
    /// The reference profiles, computed in the background from the start (they take seconds in a debug build,
    /// mostly while the daemons wait on the group).
    let reference: Task<[String: ComparableProfile], any Error>

    init(seed: UInt64, events: Int = 100_000, users: Int = 500, inputPartitions: Int = 12) throws {
        cluster = try TestCluster(inputPartitions: inputPartitions)
        let workload = DurabilityWorkload(seed: seed, events: events, users: users)
        self.workload = workload
        reference = Task(priority: .low) { try await ReferenceProfiles.compute(workload) }
        // Quiet: connection errors while the broker is down (or after the cluster is gone) are expected, and
        // delivery failures are reported by `finish()`.
        var quiet = cluster.logger
        quiet.logLevel = .critical
        producer = try WorkloadProducer(bootstrap: cluster.bootstrap, logger: quiet)
        root = FileManager.default.temporaryDirectory.appendingPathComponent("portrait-durable-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit {
        producer.close()
        try? FileManager.default.removeItem(at: root)
    }

    /// A fresh state directory for one instance ("machine").
    func stateDirectory(_ name: String) throws -> String {
        let url = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// Starts `portraitd` on this cluster with `stateDirectory`, fast rebalances and one-second coalescing.
    func launch(stateDirectory: String, _ extra: [String] = []) throws -> DaemonProcess {
        try DaemonProcess(
            arguments: [
                "--brokers", cluster.bootstrap, "--state-dir", stateDirectory, "--group-id", Self.group,
                "--emit-interval-ms", "1000", "--commit-interval-ms", "500", "--workers", "2",
                "--shutdown-timeout", "20", "--log-format", "json",
                "--kafka", "session.timeout.ms=6000", "--kafka", "heartbeat.interval.ms=500",
                "--kafka", "fetch.wait.max.ms=10",
            ] + extra)
    }

    /// Streams events `range` of the workload in the background: `chunks` parts, one every `interval`.
    func stream(_ range: Range<Int>? = nil, chunks: Int = 30, every interval: Duration = .milliseconds(300))
        -> Task<Void, any Error>
    {
        let events = workload.events[range ?? workload.events.indices]
        let producer = producer
        return Task { try await producer.stream(events, chunks: chunks, every: interval) }
    }

    /// Waits until the group has committed the whole input and the profiles topic has settled.
    func waitForCompletion(_ daemons: [DaemonProcess], timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        var ends: [Int32: Int64] = [:]
        var committed: [Int32: Int64] = [:]
        while true {
            ends = try cluster.endOffsets(Self.inputTopic)
            committed = try cluster.committedInputOffsets(group: Self.group)
            if ends.allSatisfy({ $0.value == 0 || committed[$0.key] == $0.value }) { break }
            guard ContinuousClock.now < deadline else {
                throw TestTimeout(what: "the input committed to its end\n" + describe(committed: committed, ends: ends, daemons))
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        // Settled: no new profile record for two seconds.
        var last = try cluster.endOffsets(Self.profilesTopic).values.reduce(0, +)
        var quietSince = ContinuousClock.now
        while ContinuousClock.now - quietSince < .seconds(2) {
            guard ContinuousClock.now < deadline + .seconds(10) else {
                throw TestTimeout(what: "the profiles topic to settle\n" + describe(committed: committed, ends: ends, daemons))
            }
            try await Task.sleep(for: .milliseconds(250))
            let now = try cluster.endOffsets(Self.profilesTopic).values.reduce(0, +)
            if now != last { (last, quietSince) = (now, ContinuousClock.now) }
        }
    }

    private func describe(committed: [Int32: Int64], ends: [Int32: Int64], _ daemons: [DaemonProcess]) -> String {
        var lines = ["input partition: committed / end"]
        for partition in ends.keys.sorted() {
            lines.append("  \(partition): \(committed[partition].map(String.init) ?? "none") / \(ends[partition]!)")
        }
        for (index, daemon) in daemons.enumerated() {
            lines.append("instance \(index) (\(daemon.isRunning ? "running" : "exited")), last log lines:")
            lines.append(daemon.logTail())
        }
        return lines.joined(separator: "\n")
    }

    /// The sum of the group's committed offsets over the input partitions.
    func committedInputTotal() throws -> Int64 {
        try cluster.committedInputOffsets(group: Self.group).values.reduce(0, +)
    }

    /// Each user's latest profile on the profiles topic: highest `version`, then highest offset.
    func publishedProfiles() throws -> [String: ComparableProfile] {
        var latest: [String: (profile: ComparableProfile, offset: Int64)] = [:]
        for message in try cluster.readToEnd(Self.profilesTopic) {
            guard let value = message.value else { continue }
            let profile = try ComparableProfile(json: value)
            if let current = latest[profile.userId],
                (current.profile.version, current.offset) > (profile.version, message.offset.rawValue)
            {
                continue
            }
            latest[profile.userId] = (profile, message.offset.rawValue)
        }
        return latest.mapValues(\.profile)
    }

    /// Compares the published profiles with the reference; records one issue with a readable diff on mismatch.
    @discardableResult
    func expectProfilesMatchReference(context: String = "", sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> ProfileDiff
    {
        let expected = try await reference.value
        try #require(expected.count == workload.userIds.count, "the reference has every user", sourceLocation: sourceLocation)
        let diff = ProfileDiff(actual: try publishedProfiles(), expected: expected)
        if !diff.isEmpty {
            let header = "published profiles differ from the reference" + (context.isEmpty ? "" : " (\(context))")
            let history = (try? recordHistory(of: Array(diff.differences.keys.sorted().prefix(4)), expected: expected)) ?? ""
            Issue.record(Comment(rawValue: header + "\n" + diff.report() + "\n" + history), sourceLocation: sourceLocation)
        }
        return diff
    }

    /// Every profile record of `users` in offset order (partition, offset, version, events), and which partitions
    /// the differing users are in: tells a stale restore (versions restart below an earlier record's events) from
    /// an early commit or a lost round.
    func recordHistory(of users: [String], expected: [String: ComparableProfile]) throws -> String {
        var lines: [String] = []
        var byUser: [String: [String]] = [:]
        /// Per user: the applied input offsets in the state header of its last record (highest version).
        var applied: [String: (version: Int64, offsets: String)] = [:]
        for message in try cluster.readToEnd(Self.profilesTopic) {
            guard let value = message.value, let profile = try? ComparableProfile(json: value), users.contains(profile.userId)
            else { continue }
            byUser[profile.userId, default: []].append(
                "p\(message.partition.rawValue)@\(message.offset.rawValue) v\(profile.version) events \(profile.events)")
            if profile.version >= applied[profile.userId]?.version ?? -1,
                let state = message.headers.first(where: { $0.key == "portrait.state" })?.value,
                let snapshot = try? ProfileStateCodec().decode(state)
            {
                applied[profile.userId] = (
                    profile.version, snapshot.offsets.map { "p\($0.partition)@\($0.offset)" }.joined(separator: " ")
                )
            }
        }
        // Where each user's input lies: a last record that applied up to the user's last input offset but holds
        // fewer events lost events in the middle (skipped, or a part never applied); one that stops short lost the tail.
        var input: [String: [String]] = [:]
        for message in try cluster.readToEnd(Self.inputTopic) {
            guard let key = message.key, case let user = String(decoding: key, as: UTF8.self), users.contains(user) else { continue }
            input[user, default: []].append("p\(message.partition.rawValue)@\(message.offset.rawValue)")
        }
        for user in users {
            lines.append("records of \(user) (expected events \(expected[user]?.events ?? -1)): "
                + (byUser[user] ?? []).joined(separator: ", "))
            let offsets = input[user] ?? []
            lines.append("  last record applied up to \(applied[user]?.offsets ?? "?"); input: \(offsets.count) events, last "
                + (offsets.last ?? "-") + "; input offsets: " + offsets.joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }
}
