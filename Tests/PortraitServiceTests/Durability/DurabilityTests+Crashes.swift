import Foundation
import Testing

extension DurabilityTests {
    /// `kill -9` at seeded moments (mid-stream, during start-up and restore, during catch-up), restarting on the
    /// same machine each time: the final profiles equal the reference.
    @Test func killNineAtSeededMomentsLosesAndRepeatsNothing() async throws {
        let run = try DurableRun(seed: 0x5EED_0001)
        var random = SeededRandom(seed: run.workload.seed ^ 0xC0FFEE)
        let state = try run.stateDirectory("a")
        let stream = run.stream(chunks: 60, every: .milliseconds(400))
        var kills: [String] = []
        for round in 0..<3 {
            let committedAtLaunch = try run.committedInputTotal()
            let daemon = try run.launch(stateDirectory: state)
            let delay: Duration
            let moment: String
            if round == 1 {
                // While it joins the group and restores, before it consumes anything new.
                delay = random.duration(0.3...1.2)
                moment = "after launch"
            } else {
                // Once it has committed progress of its own, so that a lost state would show.
                try await eventually(timeout: .seconds(40), "instance \(round) committing; log:\n\(daemon.logTail())") {
                    try run.committedInputTotal() > committedAtLaunch
                }
                delay = random.duration(0...1.5)
                moment = "after its first commit"
            }
            try await Task.sleep(for: delay)
            let consumed = daemon.metricSum("portrait_events_consumed_total") ?? 0
            daemon.signal(SIGKILL)
            _ = try await daemon.waitForExit()
            kills.append(
                "kill \(round): \(delay) \(moment), \(Int(consumed)) consumed, \(try run.committedInputTotal()) committed, "
                    + "\(run.producer.deliveredCount) produced")
        }
        let final = try run.launch(stateDirectory: state)
        try await stream.value
        try await run.waitForCompletion([final])
        let diff = try await run.expectProfilesMatchReference(context: kills.joined(separator: "\n"))
        #expect(diff.eventsLost == 0, "events lost over the kills")
        #expect(diff.eventsDuplicated == 0, "events applied more than once over the kills")
        final.signal(SIGTERM)
        #expect(try await final.waitForExit() == 0)
    }

    /// Two instances in one group, each its own machine; one is killed mid-stream: the survivor takes its
    /// partitions, restores their users from the changelog and finishes with the reference profiles.
    @Test func survivorRestoresTheKilledInstancesPartitions() async throws {
        let run = try DurableRun(seed: 0x5EED_0002)
        var random = SeededRandom(seed: run.workload.seed ^ 0xC0FFEE)
        let survivor = try run.launch(stateDirectory: try run.stateDirectory("a"))
        let victim = try run.launch(stateDirectory: try run.stateDirectory("b"))
        let stream = run.stream(chunks: 60, every: .milliseconds(400))
        try await survivor.waitUntilConsuming()
        try await victim.waitUntilConsuming()
        try await Task.sleep(for: random.duration(0.5...2))
        let consumed = victim.metricSum("portrait_events_consumed_total") ?? 0
        victim.signal(SIGKILL)
        _ = try await victim.waitForExit()
        try await stream.value
        try await run.waitForCompletion([survivor, victim])
        let diff = try await run.expectProfilesMatchReference(
            context: "killed instance had consumed \(Int(consumed)) events")
        #expect(diff.eventsLost == 0 && diff.eventsDuplicated == 0)
        #expect(survivor.readiness == 200)
        survivor.signal(SIGTERM)
        #expect(try await survivor.waitForExit() == 0)
    }
}
