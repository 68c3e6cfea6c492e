import CoreMetrics
import Foundation
import Logging
import PortraitCore
import PortraitKafka
import Synchronization

/// Reads the item catalog topic in full on every instance — manual assignment of all partitions from the
/// beginning, no consumer group — and keeps following it (CONTRACT §1, §3).
///
/// ``waitUntilLoaded()`` returns once every partition was read up to the high watermark seen at start, so
/// no interaction is applied before the catalog stands. Invalid records go to the dead letters; a null value
/// (tombstone) removes the item.
///
/// Thread safety: the consumer is used only by the follower's own thread; `loaded` is a `Mutex`-guarded
/// flag with a waiting list, the counters are atomics.
final class CatalogFollower: Sendable {
    private let topic: String
    private let consumer: KafkaConsumer
    private let catalog: ItemCatalog
    private let publisher: OutputPublisher
    private let metrics: PortraitMetrics
    private let stop: StopSignal
    private let logger: Logger
    private let loaded = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    private let finished = DispatchSemaphore(value: 0)
    let records = Atomic<Int>(0)

    init(
        topic: String,
        configuration: KafkaConfiguration,
        catalog: ItemCatalog,
        publisher: OutputPublisher,
        metrics: PortraitMetrics,
        stop: StopSignal,
        logger: Logger
    ) throws(KafkaError) {
        self.topic = topic
        self.catalog = catalog
        self.publisher = publisher
        self.metrics = metrics
        self.stop = stop
        self.logger = logger
        var configuration = configuration
        configuration["group.id"] = nil
        configuration["group.instance.id"] = nil
        configuration["fetch.wait.max.ms"] = Self.fetchWait(configured: configuration["fetch.wait.max.ms"])
        self.consumer = try KafkaConsumer(configuration: configuration, logger: logger)
    }

    /// The catalog's long-poll wait: the operator's `fetch.wait.max.ms`, but at least 100 ms (500 ms, librdkafka's
    /// default, when unset).
    ///
    /// A broker answers a fetch as soon as data arrives, so the wait only bounds how often an idle catalog is
    /// asked again; item updates need no millisecond freshness. A wait tuned down for the input (e.g. 1 ms on the
    /// mock broker, where it is a polling interval) would otherwise cost a fetch request per millisecond here.
    static func fetchWait(configured: String?) -> String {
        String(max(100, configured.flatMap { Int($0) } ?? 500))
    }

    var isLoaded: Bool { loaded.withLock { $0.done } }

    /// Suspends until the catalog was read to the end it had at start-up, or the follower stopped.
    func waitUntilLoaded() async {
        await withCheckedContinuation { continuation in
            let done = loaded.withLock { state in
                if state.done { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    func start() {
        let thread = Thread { [self] in
            defer {
                releaseWaiters()
                finished.signal()
            }
            do {
                try run()
            } catch {
                logger.critical("item catalog consumer failed: \(error)")
                stop.raise(.fatal(error))
            }
        }
        thread.name = "portrait-catalog"
        thread.start()
    }

    func join() {
        finished.wait()
        do { try consumer.close() } catch { logger.debug("closing the catalog consumer: \(error)") }
    }

    private func run() throws {
        // The end to reach before interactions may be applied, per partition.
        var remaining: [Int32: Int64] = [:]
        var partitions = 0
        while !stop.isStopping {
            do {
                partitions = try consumer.partitionCount(topic: topic, timeout: .seconds(10))
                break
            } catch {
                logger.warning("item catalog topic \(topic) not readable yet (\(error)); retrying")
                Thread.sleep(forTimeInterval: 1)
            }
        }
        guard !stop.isStopping else { return }
        var assignment: [KafkaTopicPartition: KafkaOffset] = [:]
        for index in 0..<partitions {
            let tp = KafkaTopicPartition(topic: topic, partition: KafkaPartition(rawValue: Int32(index)))
            assignment[tp] = .beginning
            let (low, high) = try consumer.watermarks(tp, cached: false, timeout: .seconds(10))
            if high.rawValue > low.rawValue { remaining[Int32(index)] = high.rawValue }
        }
        try consumer.assign(assignment)
        logger.info("reading item catalog \(topic) (\(partitions) partitions, \(remaining.values.reduce(0, +)) records at most)")
        if remaining.isEmpty { markLoaded() }

        let decoder = CatalogItemDecoder()
        var idleSince = ContinuousClock.now
        while !stop.isStopping {
            let count = try consumer.poll(maxMessages: 1_024, timeout: .milliseconds(200)) { message in
                let partition = message.partition.rawValue
                let offset = message.offset.rawValue
                records.add(1, ordering: .relaxed)
                if let end = remaining[partition], offset + 1 >= end {
                    remaining[partition] = nil
                    if remaining.isEmpty { markLoaded() }
                }
                guard let value = message.value else {
                    if let key = message.key, let itemId = String(validating: key, as: UTF8.self) {
                        catalog.remove(itemId: itemId)
                    }
                    return
                }
                switch decoder.decode(value) {
                case .accepted(let item):
                    let at = item.createdTs ?? message.timestamp ?? Int64(Date().timeIntervalSince1970 * 1_000)
                    catalog.upsert(item, atMs: at)
                case .rejected(let reason):
                    metrics.rejected(reason)
                    publisher.sendDeadLetter(
                        key: message.key, value: value, reason: reason,
                        source: "\(message.topic)/\(partition)/\(offset)", batch: nil
                    )
                }
            }
            metrics.catalogItems.record(catalog.count)
            if count > 0 {
                idleSince = .now
            } else if !remaining.isEmpty, ContinuousClock.now - idleSince > .seconds(5) {
                // Compaction or transaction markers can leave the last offsets without a record to read:
                // nothing arrived for a while, so what was there at start-up has been read.
                logger.info("item catalog idle with \(remaining.count) partitions short of their start-up end; treating as loaded")
                remaining.removeAll()
                markLoaded()
            }
        }
    }

    /// Wakes whoever waits for the catalog without marking it loaded (the follower stopped first).
    private func releaseWaiters() {
        let waiters = loaded.withLock { state in
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func markLoaded() {
        let waiters = loaded.withLock { state in
            state.done = true
            defer { state.waiters = [] }
            return state.waiters
        }
        logger.info("item catalog loaded: \(catalog.count) items")
        for waiter in waiters { waiter.resume() }
    }
}
