import Foundation
import PortraitKafka
import Testing

extension DurabilityTests {
    /// Snapshots written at a graceful stop are damaged (bytes flipped, file truncated) before the restart: the
    /// daemon warns, ignores them, restores from the changelog and ends with the reference profiles.
    @Test func corruptSnapshotIsReportedAndTheChangelogRestores() async throws {
        let run = try DurableRun(seed: 0x5EED_0004)
        let state = try run.stateDirectory("a")
        let half = run.workload.events.count / 2
        let first = try run.launch(stateDirectory: state)
        try await run.stream(0..<half, chunks: 10, every: .milliseconds(200)).value
        try await run.waitForCompletion([first])
        first.signal(SIGTERM)
        #expect(try await first.waitForExit() == 0, "log:\n\(first.logTail())")

        let snapshots = Self.snapshotFiles(under: state)
        try #require(!snapshots.isEmpty, "no *.snap written under \(state)/snapshots at graceful shutdown")
        for (index, url) in snapshots.enumerated() {
            var bytes = [UInt8](try Data(contentsOf: url))
            if index % 2 == 0 {
                for position in stride(from: bytes.count / 2, to: min(bytes.count, bytes.count / 2 + 16), by: 1) {
                    bytes[position] ^= 0xFF
                }
            } else {
                bytes.removeLast(bytes.count / 2)
            }
            try Data(bytes).write(to: url)
        }

        let second = try run.launch(stateDirectory: state)
        let stream = run.stream(half..<run.workload.events.count, chunks: 10, every: .milliseconds(200))
        try await stream.value
        try await run.waitForCompletion([second])
        let diff = try await run.expectProfilesMatchReference(context: "\(snapshots.count) snapshots corrupted")
        #expect(diff.eventsLost == 0 && diff.eventsDuplicated == 0)
        let warnings = second.warnings.filter { $0.lowercased().contains("snapshot") }
        #expect(!warnings.isEmpty, "no warning about the corrupt snapshots; log:\n\(second.logTail(30))")
        second.signal(SIGTERM)
        #expect(try await second.waitForExit() == 0)
    }

    /// The broker goes down for ten seconds mid-stream: `/readyz` turns 503 while it is down and 200 after, the
    /// daemon keeps running, and no event is lost or applied twice.
    @Test func brokerOutageLosesNothingAndReportsNotReady() async throws {
        let run = try DurableRun(seed: 0x5EED_0005)
        let daemon = try run.launch(stateDirectory: try run.stateDirectory("a"))
        try await daemon.waitUntilReady()
        let stream = run.stream(chunks: 60, every: .milliseconds(300))
        try await daemon.waitUntilConsuming(atLeast: 10_000)

        try run.cluster.cluster.setBrokerDown(1)
        let down = ContinuousClock.now
        var notReadyAfter: Duration?
        while ContinuousClock.now - down < .seconds(10) {
            if notReadyAfter == nil, daemon.readiness == 503 { notReadyAfter = ContinuousClock.now - down }
            try await Task.sleep(for: .milliseconds(100))
        }
        try run.cluster.cluster.setBrokerUp(1)
        #expect(notReadyAfter != nil, "/readyz stayed 200 through 10 s of broker outage")
        #expect(daemon.isRunning, "portraitd exited during the outage; log:\n\(daemon.logTail())")
        try await eventually(timeout: .seconds(40), "/readyz back to 200 after the outage; log:\n\(daemon.logTail())") {
            daemon.readiness == 200
        }

        try await stream.value
        try await run.waitForCompletion([daemon])
        let diff = try await run.expectProfilesMatchReference(
            context: "not ready \(notReadyAfter.map { "\($0)" } ?? "never") after the broker went down")
        #expect(diff.eventsLost == 0 && diff.eventsDuplicated == 0)
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    /// Every `*.snap` file under `<state>/snapshots`, in a stable order.
    static func snapshotFiles(under state: String) -> [URL] {
        let root = URL(fileURLWithPath: state).appendingPathComponent("snapshots")
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        let files = (enumerator?.allObjects as? [URL] ?? []).filter { $0.pathExtension == "snap" }
        return files.sorted { $0.path < $1.path }
    }
}
