import Foundation

extension DaemonProcess {
    /// The sum of a metric's samples on `/metrics`, or nil when the daemon does not answer.
    func metricSum(_ name: String) -> Double? {
        guard let body = get("/metrics")?.body, let text = try? PrometheusText.parse(body) else { return nil }
        return text.sum(name)
    }

    /// `/readyz`'s status, or nil when nothing answers.
    var readiness: Int? { self.get("/readyz")?.status }

    /// The last `count` lines of the daemon's log, for failure messages.
    func logTail(_ count: Int = 12) -> String {
        log.split(separator: "\n").suffix(count).joined(separator: "\n")
    }

    /// Log lines at `warning` level or above (the daemon runs with `--log-format json`).
    var warnings: [String] {
        log.split(separator: "\n").map(String.init).filter {
            $0.contains(#""level":"warning""#) || $0.contains(#""level":"error""#) || $0.contains(#""level":"critical""#)
        }
    }

    /// Polls `/metrics` until the daemon has consumed at least `events` input events.
    func waitUntilConsuming(atLeast events: Double = 1, timeout: Duration = .seconds(30)) async throws {
        try await eventually(timeout: timeout, "portraitd consuming; log:\n\(logTail())") {
            (metricSum("portrait_events_consumed_total") ?? 0) >= events
        }
    }

    /// Polls until the daemon consumes input or reports ready: it has joined the group and owns partitions.
    func waitUntilActive(timeout: Duration = .seconds(30)) async throws {
        try await eventually(timeout: timeout, "portraitd active; log:\n\(logTail())") {
            (metricSum("portrait_events_consumed_total") ?? 0) > 0 || readiness == 200
        }
    }
}
