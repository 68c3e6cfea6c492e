import Foundation
import PortraitKafka
import Synchronization
import Testing

/// `portraitd` as a child process against an in-process mock cluster, over real Kafka protocol.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DaemonEndToEndTests {
    private static func start(_ cluster: TestCluster, _ extra: [String] = [], environment: [String: String] = [:]) throws
        -> DaemonProcess
    {
        try DaemonProcess(
            arguments: ["--brokers", cluster.bootstrap, "--emit-interval-ms", "100", "--workers", "2",
                        "--kafka", "fetch.wait.max.ms=10", "--kafka", "session.timeout.ms=6000",
                        "--kafka", "heartbeat.interval.ms=500", "--shutdown-timeout", "20"] + extra,
            environment: environment
        )
    }

    @Test func workedExampleThroughKafkaGivesTheExpectedProfile() async throws {
        let cluster = try TestCluster()
        let daemon = try Self.start(cluster)
        try await daemon.waitUntilReady()

        let lines = try ContractExamples.lines("worked-example.interactions.jsonl")
        try cluster.produce("interactions", lines: lines) { _ in "alice" }
        let records = try cluster.read("portrait.profiles") { messages in
            messages.contains { ($0.jsonObject?["events"] as? Int) == 6 }
        }
        let final = try #require(records.last { ($0.jsonObject?["events"] as? Int) == 6 }?.jsonObject)
        let expected = try ContractExamples.json("worked-example.profile.json")
        ProfileComparison.expectEqual(final, expected)

        // The profile record lands on the partition of the input that changed it.
        let input = try cluster.read("interactions") { $0.count == lines.count }
        let inputPartitions = Set(input.map(\.partition))
        #expect(Set(records.map(\.partition)).isSubset(of: inputPartitions))
        #expect(records.allSatisfy { $0.keyString == "alice" })

        // Versions strictly increase; the HTTP view is the same profile.
        let versions = records.compactMap { $0.jsonObject?["version"] as? Int }
        #expect(versions == versions.sorted() && Set(versions).count == versions.count)
        let http = try #require(daemon.get("/v1/users/alice/profile"))
        #expect(http.status == 200)
        let served = try #require(try JSONSerialization.jsonObject(with: Data(http.body.utf8)) as? [String: Any])
        ProfileComparison.expectEqual(served, expected)
        let recommendations = try #require(daemon.get("/v1/users/alice/recommendations"))
        #expect(recommendations.status == 200 && recommendations.body.contains("\"items\""))
        let unknown = try #require(daemon.get("/v1/users/nobody/profile"))
        #expect(unknown.status == 404 && unknown.body.contains("not_found"))

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test func badRecordsLandInTheDeadLetterTopicByteForByte() async throws {
        let cluster = try TestCluster()
        let daemon = try Self.start(cluster)
        try await daemon.waitUntilReady()

        let bad = try ContractExamples.badRecords()
        try cluster.produce("interactions", bad.enumerated().map { ("bad-\($0.offset)", $0.element.value) })
        let good = #"{"user_id":"carol","item_id":"v1","type":"like","ts":1732896000000,"tags":["x"]}"#
        try cluster.produce("interactions", [("carol", Array(good.utf8))])

        let letters = try cluster.read("portrait.dlq") { $0.count >= bad.count }
        #expect(letters.count == bad.count)
        let input = try cluster.read("interactions") { $0.count == bad.count + 1 }
        for (index, record) in bad.enumerated() {
            let letter = try #require(letters.first { $0.keyString == "bad-\(index)" }, "no dead letter for bad-\(index)")
            #expect(letter.header("portrait.error") == record.reason, "bad-\(index)")
            #expect(letter.value == record.value, "bad-\(index) bytes differ")
            let source = try #require(input.first { $0.keyString == "bad-\(index)" })
            #expect(letter.header("portrait.source") == "interactions/\(source.partition.rawValue)/\(source.offset.rawValue)")
        }

        // Still running, still processing, and the metrics count what happened.
        try await eventually("carol's profile") { daemon.get("/v1/users/carol/profile")?.status == 200 }
        #expect(daemon.isRunning)
        try await eventually("dead letters counted") {
            let metrics = try PrometheusText.parse(daemon.get("/metrics")?.body ?? "")
            return metrics.sum("portrait_events_rejected_total") == Double(bad.count)
                && metrics.value("portrait_outputs_published_total", ["topic": "dlq"]) == Double(bad.count)
                && metrics.value("portrait_ready") == 1
        }
        let metrics = try PrometheusText.parse(try #require(daemon.get("/metrics")).body)
        for reason in Set(bad.map(\.reason)) {
            #expect(metrics.value("portrait_events_rejected_total", ["reason": reason]) == Double(bad.filter { $0.reason == reason }.count), "\(reason)")
        }
        #expect(metrics.value("portrait_events_consumed_total", ["type": "like"]) == 1)
        // The shard that applied and rendered carol's events reports its CPU time (refreshed every second).
        try await eventually("shard CPU reported") {
            try PrometheusText.parse(daemon.get("/metrics")?.body ?? "").sum("portrait_shard_cpu_seconds_total") > 0
        }

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test func aBacklogIsPublishedOncePerUserWhenCaughtUp() async throws {
        let cluster = try TestCluster()
        let users = 40
        let lines = (0..<20_000).map { index in
            #"{"user_id":"u\#(index % users)","item_id":"v\#(index)","type":"view","ts":\#(1732896000000 + index * 1000),"tags":["t\#(index % 7)"]}"#
        }
        try cluster.produce("interactions", lines: lines) { String($0.split(separator: "\"")[3]) }

        // The backlog is seen at the first poll (catching up while anything is left to poll), so no round is
        // cut — the emit interval is 5 ms — until everything is polled and applied: one record per user.
        let daemon = try Self.start(cluster, ["--emit-interval-ms", "5", "--catchup-lag", "0"])
        try await daemon.waitUntilReady()
        let scraped = Mutex<PrometheusText?>(nil)
        try await eventually("the backlog consumed and published") {
            let metrics = try PrometheusText.parse(daemon.get("/metrics")?.body ?? "")
            scraped.withLock { $0 = metrics }
            return metrics.sum("portrait_events_consumed_total") == Double(lines.count)
                && metrics.value("portrait_outputs_published_total", ["topic": "profiles"]) == Double(users)
        }
        // The engine's gauges are read at the scrape, not up to a second earlier: the scrape that saw every user
        // published counts every user held.
        #expect(scraped.withLock { $0 }?.value("portrait_profiles_active") == Double(users))
        #expect(try PrometheusText.parse(try #require(daemon.get("/metrics")).body).value("portrait_catching_up") == 0)
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)

        let profiles = try cluster.read("portrait.profiles") { $0.count >= users }
        #expect(profiles.count == users)
        for record in profiles {
            let profile = try #require(try JSONSerialization.jsonObject(with: Data(record.value ?? [])) as? [String: Any])
            #expect(profile["version"] as? Int == 1, "\(record.keyString ?? "?")")
            #expect(profile["events"] as? Int == lines.count / users)
        }
        #expect(Set(profiles.compactMap(\.keyString)).count == users)
    }

    @Test func gracefulShutdownCommitsSoARestartConsumesNothingTwice() async throws {
        let cluster = try TestCluster()
        let events = (0..<200).map { index in
            #"{"user_id":"u\#(index % 17)","item_id":"v\#(index)","type":"view","ts":\#(1732896000000 + index * 1000),"tags":["t\#(index % 5)"]}"#
        }
        try cluster.produce("interactions", events.map { line in
            (String(line.split(separator: "\"")[3]), Array(line.utf8))
        })

        let first = try Self.start(cluster)
        try await first.waitUntilReady()
        try await eventually("all 200 events consumed") {
            (try PrometheusText.parse(first.get("/metrics")?.body ?? "").sum("portrait_events_consumed_total")) == 200
        }
        first.signal(SIGTERM)
        #expect(try await first.waitForExit() == 0)
        let committed = try cluster.committedInputOffsets()
        #expect(committed.values.reduce(0, +) == 200, "committed \(committed)")

        let second = try Self.start(cluster)
        try await second.waitUntilReady()
        try await Task.sleep(for: .seconds(1))
        let idle = try PrometheusText.parse(try #require(second.get("/metrics")).body)
        #expect(idle.sum("portrait_events_consumed_total") == 0)

        try cluster.produce("interactions", [("u1", Array(#"{"user_id":"u1","item_id":"z","type":"like","ts":1732999000000}"#.utf8))])
        try await eventually("the new event consumed") {
            (try PrometheusText.parse(second.get("/metrics")?.body ?? "").sum("portrait_events_consumed_total")) == 1
        }
        second.signal(SIGINT)
        #expect(try await second.waitForExit() == 0)
    }

    @Test func systemdNotificationsArriveInOrder() async throws {
        let cluster = try TestCluster()
        let socket = try NotifySocket()
        let daemon = try Self.start(cluster, environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "1000000"])
        try await daemon.waitUntilReady()
        try await eventually("READY and WATCHDOG") {
            let messages = socket.received()
            return messages.contains { $0.contains("READY=1") } && messages.contains { $0.contains("WATCHDOG=1") }
        }
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        let messages = socket.received()
        let ready = try #require(messages.firstIndex { $0.contains("READY=1") })
        let stopping = try #require(messages.firstIndex { $0.contains("STOPPING=1") })
        #expect(ready < stopping)
        #expect(messages[..<ready].allSatisfy { !$0.contains("STOPPING") })
        #expect(messages.contains { $0.hasPrefix("STATUS=") || $0.contains("\nSTATUS=") })
    }
}
