import Foundation
import Testing

/// Exactly-once state across crashes, rebalances and faults (CONTRACT §7, issue 5), black-box: the built
/// `portraitd` as child processes over an in-process mock cluster, 100,000 seeded events over 500 users, and every
/// user's final published profile compared with a reference computed in-process by `PortraitCore`.
///
/// Serialized: each test runs up to three daemons on a shared two-core machine.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct DurabilityTests {
    /// The harness itself: one instance, no faults. If this fails, the other tests' failures mean nothing.
    @Test func uninterruptedRunMatchesTheReference() async throws {
        let run = try DurableRun(seed: 0x5EED_0000)
        let daemon = try run.launch(stateDirectory: try run.stateDirectory("a"))
        let stream = run.stream(chunks: 20, every: .milliseconds(200))
        try await stream.value
        try await run.waitForCompletion([daemon])
        let diff = try await run.expectProfilesMatchReference()
        #expect(diff.eventsLost == 0 && diff.eventsDuplicated == 0)
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }
}
