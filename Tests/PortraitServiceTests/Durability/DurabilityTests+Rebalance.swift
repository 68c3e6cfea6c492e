import Foundation
import Testing

extension DurabilityTests {
    /// A third instance joins two busy ones mid-stream: it takes partitions and restores them while the other two
    /// keep publishing (no stop-the-world pause), and the final profiles equal the reference.
    @Test func joinerRestoresWhileTheOthersKeepPublishing() async throws {
        let run = try DurableRun(seed: 0x5EED_0003)
        let first = try run.launch(stateDirectory: try run.stateDirectory("a"))
        let second = try run.launch(stateDirectory: try run.stateDirectory("b"))
        // Long enough that the joiner restores mid-stream even on a loaded machine (it took over 24 s once).
        let stream = run.stream(chunks: 90, every: .milliseconds(400))
        try await first.waitUntilConsuming()
        try await second.waitUntilConsuming()
        try await first.waitUntilReady()
        try await second.waitUntilReady()

        let joiner = try run.launch(stateDirectory: try run.stateDirectory("c"))
        let launched = ContinuousClock.now
        func published() -> Double {
            (first.metricSum("portrait_outputs_published_total") ?? 0)
                + (second.metricSum("portrait_outputs_published_total") ?? 0)
        }
        // Sample the others' outputs until the joiner owns restored partitions and is ready.
        let atLaunch = published()
        var last = atLaunch
        var lastGrowth = launched
        var longestStall = Duration.zero
        while joiner.readiness != 200 || (joiner.metricSum("portrait_events_consumed_total") ?? 0) == 0 {
            guard ContinuousClock.now - launched < .seconds(40) else {
                Issue.record("the joiner never became ready with partitions; log:\n\(joiner.logTail())")
                break
            }
            try await Task.sleep(for: .milliseconds(200))
            let now = published()
            if now > last { (last, lastGrowth) = (now, ContinuousClock.now) }
            longestStall = max(longestStall, ContinuousClock.now - lastGrowth)
        }
        let window = ContinuousClock.now - launched
        #expect(last > atLaunch, "the others published nothing in the \(window) the joiner took to restore")
        #expect(longestStall < .seconds(4), "the others stalled for \(longestStall) while the joiner restored (window \(window))")
        #expect(run.producer.deliveredCount < run.workload.events.count, "the joiner arrived after the stream ended")

        try await stream.value
        try await run.waitForCompletion([first, second, joiner])
        let diff = try await run.expectProfilesMatchReference(context: "joiner ready after \(window)")
        #expect(diff.eventsLost == 0 && diff.eventsDuplicated == 0)
        if diff.eventsLost != 0 || diff.eventsDuplicated != 0 {
            // What each instance did around the rebalances, to tell a stale restore from an early commit.
            for (name, daemon) in [("first", first), ("second", second), ("joiner", joiner)] {
                let lines = daemon.log.split(separator: "\n").filter {
                    $0.contains("assigned") || $0.contains("revoked") || $0.contains("lost") || $0.contains("restor")
                        || $0.contains("drain") || $0.contains("\"level\":\"warning\"") || $0.contains("\"level\":\"error\"")
                }
                // Consumed vs skipped as already applied: an instance that never restored skips nothing unless its
                // input was delivered twice (a reset fetch position); consumed below its share means input was dropped.
                let counts = ["portrait_events_consumed_total", "portrait_events_duplicate_total", "portrait_events_rejected_total",
                              "portrait_outputs_published_total"]
                    .map { "\($0) \(daemon.metricSum($0).map { String(Int($0)) } ?? "?")" }.joined(separator: ", ")
                Issue.record("\(name) (\(counts)):\n\(lines.suffix(40).joined(separator: "\n"))")
            }
        }
        for daemon in [first, second, joiner] {
            daemon.signal(SIGTERM)
            #expect(try await daemon.waitForExit() == 0, "log:\n\(daemon.logTail())")
        }
    }
}
