import CoreMetrics
import Logging
import PortraitCore
import ServiceLifecycle
import Synchronization

/// Once a second: refreshes the gauges (also before every `/metrics` scrape), tells systemd (READY once, WATCHDOG,
/// STATUS), and every `status_interval` logs one status line (events/s, lag, profiles, dead letters). Never a line
/// per event.
final class StatusReporter: Service, Sendable {
    private let engine: ProfileEngine
    private let input: InputConsumer
    private let health: ServiceHealth
    private let notifier: SystemdNotifier
    private let metrics: PortraitMetrics
    private let statusInterval: Duration?
    private let logger: Logger

    init(
        engine: ProfileEngine,
        input: InputConsumer,
        health: ServiceHealth,
        notifier: SystemdNotifier,
        metrics: PortraitMetrics,
        statusIntervalSeconds: Double,
        logger: Logger
    ) {
        self.engine = engine
        self.input = input
        self.health = health
        self.notifier = notifier
        self.metrics = metrics
        self.statusInterval = statusIntervalSeconds > 0 ? .milliseconds(Int64(statusIntervalSeconds * 1_000)) : nil
        self.logger = logger
    }

    /// Sets the gauges read from the engine and the health state (profiles, shard depths and CPU, readiness) to their
    /// values now; the loop below calls it every tick, and `/metrics` before every scrape, so a scrape never shows
    /// a gauge up to a second old (the end of `bench e2e` read a profile count 0.2 % short).
    @discardableResult
    func refreshGauges(readiness snapshot: ServiceHealth.Snapshot? = nil) -> EngineStatistics {
        let statistics = engine.statistics()
        metrics.profilesActive.record(statistics.profiles)
        for (shard, depth) in statistics.inFlightPerShard.enumerated() { metrics.shardDepth(shard, depth) }
        for (shard, seconds) in statistics.busySecondsPerShard.enumerated() { metrics.shardCPU(shard, totalSeconds: seconds) }
        metrics.ready.record((snapshot ?? health.snapshot).isReady ? 1 : 0)
        return statistics
    }

    func run() async throws {
        var tick: Duration = .seconds(1)
        if let watchdog = notifier.watchdogInterval { tick = min(tick, watchdog / 2) }
        var sentReady = false
        var lastStatus = ""
        let clock = ContinuousClock()
        var lastLine = clock.now
        var lastConsumed = 0
        var lastRejected = 0

        while !Task.isShuttingDownGracefully {
            let snapshot = health.snapshot
            let statistics = refreshGauges(readiness: snapshot)

            let status =
                snapshot.isReady
                ? "ready: \(statistics.profiles) profiles, lag \(input.totalLag.load(ordering: .relaxed))"
                : snapshot.brokerReachable ? snapshot.detail : "waiting for the brokers: \(snapshot.detail)"
            if snapshot.isReady && !sentReady {
                notifier.ready(status: status)
                sentReady = true
                logger.info("ready")
            } else if status != lastStatus {
                notifier.status(status)
            }
            lastStatus = status
            if notifier.watchdogInterval != nil && snapshot.phase != .failed { notifier.watchdog() }

            if let statusInterval, clock.now - lastLine >= statusInterval {
                let elapsed = clock.now - lastLine
                let seconds = elapsed.inSeconds
                let consumed = input.consumed.load(ordering: .relaxed)
                let rejected = input.rejected.load(ordering: .relaxed)
                let rate = Double(consumed - lastConsumed) / max(seconds, 0.001)
                logger.info(
                    "status",
                    metadata: [
                        "phase": "\(snapshot.phase.rawValue)",
                        "events_per_s": "\(Int(rate))",
                        "lag": "\(input.totalLag.load(ordering: .relaxed))",
                        "profiles": "\(statistics.profiles)",
                        "dead_letters": "\(rejected - lastRejected)",
                        "emitted": "\(statistics.emissions)",
                        "catching_up": "\(engine.isCatchingUp)",
                    ]
                )
                lastLine = clock.now
                lastConsumed = consumed
                lastRejected = rejected
            }
            try? await Task.sleep(for: tick)
        }
    }
}
