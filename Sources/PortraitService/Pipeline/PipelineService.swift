import Dispatch
import Logging
import PortraitCore
import PortraitKafka
import ServiceLifecycle

/// The Kafka-to-Kafka pipeline as one `Service`: catalog, input, engine, publisher.
///
/// Start: read the item catalog to its end, check the topics, then join the group and consume.
/// Graceful shutdown (CONTRACT §8): stop fetching → drain the shards and publish what is pending → wait for
/// every acknowledgement → commit synchronously → close. A fatal error takes the same path as far as it
/// can and then throws, so the service group ends and `portraitd` exits 1.
final class PipelineService: Service, Sendable {
    private let topics: PortraitConfiguration.Topics
    private let engine: ProfileEngine
    private let producer: KafkaProducer
    private let catalog: CatalogFollower
    private let input: InputConsumer
    private let state: PartitionStateManager
    private let snapshotInterval: Duration?
    private let health: ServiceHealth
    private let notifier: SystemdNotifier
    private let stop: StopSignal
    private let shutdownTimeout: Duration
    private let logger: Logger

    init(
        topics: PortraitConfiguration.Topics,
        engine: ProfileEngine,
        producer: KafkaProducer,
        catalog: CatalogFollower,
        input: InputConsumer,
        state: PartitionStateManager,
        snapshotInterval: Duration?,
        health: ServiceHealth,
        notifier: SystemdNotifier,
        stop: StopSignal,
        shutdownTimeout: Duration,
        logger: Logger
    ) {
        self.topics = topics
        self.engine = engine
        self.producer = producer
        self.catalog = catalog
        self.input = input
        self.state = state
        self.snapshotInterval = snapshotInterval
        self.health = health
        self.notifier = notifier
        self.stop = stop
        self.shutdownTimeout = shutdownTimeout
        self.logger = logger
    }

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await runUntilStopped()
        } onGracefulShutdown: {
            self.stop.raise(.gracefulShutdown)
        }
    }

    private func runUntilStopped() async throws {
        health.set(.starting, "reading item catalog")
        catalog.start()
        // The group join overlaps the catalog read (on a new group the broker holds the first join for its
        // initial rebalance delay, 3 s by default); the ingest thread serves its assignment and applies
        // interactions only once the catalog is loaded. Health is updated on that thread, before its first
        // poll, so a later assignment's state cannot be overwritten.
        input.start(whenReady: { [catalog, health, stop] in
            blockingAwait { await catalog.waitUntilLoaded() }
            guard catalog.isLoaded && !stop.isStopping else { return false }
            health.update { $0.catalogLoaded = true }
            health.set(.starting, "joining group")
            return true
        })

        // Periodic snapshots of the owned partitions, so a restart replays only the changelog's tail.
        let snapshots = Task { [state, snapshotInterval, stop] in
            guard let snapshotInterval else { return }
            while !Task.isCancelled && !stop.isStopping {
                try? await Task.sleep(for: snapshotInterval)
                guard !Task.isCancelled && !stop.isStopping else { return }
                await state.snapshot()
            }
        }
        defer { snapshots.cancel() }

        let reason = await stop.wait()
        snapshots.cancel()
        if case .fatal(let error) = reason { logger.critical("stopping after a fatal error: \(error)") }
        health.set(.stopping, "draining")
        notifier.stopping(status: "draining")
        let clean = await offThePool { [self] in
            input.join()
            let drained = input.shutdown()
            catalog.join()
            do {
                try producer.flush(timeout: shutdownTimeout)
            } catch {
                logger.error("producer flush at shutdown: \(error)")
                return false
            }
            return drained
        }
        producer.close(timeout: .seconds(1))
        await engine.shutdown()
        if let error = stop.fatalError {
            health.set(.failed, "fatal: \(error)")
            throw error
        }
        guard clean else { throw PipelineError.drainTimedOut }
        logger.info("pipeline drained, offsets committed")
    }
}

enum PipelineError: Error, CustomStringConvertible {
    case drainTimedOut
    case topicMismatch(String)

    var description: String {
        switch self {
        case .drainTimedOut: "graceful shutdown did not drain in time; uncommitted input will be replayed"
        case .topicMismatch(let detail): detail
        }
    }
}

/// Runs blocking work (thread joins, librdkafka's synchronous calls, file I/O) on a Dispatch thread, not the pool.
func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}

/// Runs blocking work that cannot fail on a Dispatch thread, not the pool.
func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: work()) }
    }
}
