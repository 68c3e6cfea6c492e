import Dispatch
import Foundation
import CoreMetrics
import Logging
import PortraitCore
import PortraitKafka
import Synchronization

/// The ingest thread: polls the input topic in batches, decodes, dead-letters what is invalid, hands valid
/// events to the engine, stores processed offsets, pauses on back-pressure, and handles rebalances.
///
/// It runs on its own thread (never Swift's cooperative pool): librdkafka's poll blocks, and rebalance
/// callbacks — which drain and commit synchronously — run inside it.
///
/// Thread safety: everything but the `Atomic`/`Mutex` members is touched only by the ingest thread
/// (`run()` and the rebalance callbacks it makes); other threads read the counters.
final class InputConsumer: KafkaRebalanceHandler, LedgerProgressObserver, @unchecked Sendable {
    struct Settings {
        var topic: String
        /// Records per poll at most (a poll returns what is queued, so this only caps batches while catching up).
        /// Each batch costs a ledger entry, a part per shard and, per part, the catalog lock both shards take: in
        /// `bench e2e` 8,192 took 4–7 % less CPU per event than 2,048 in three sets of alternating runs (after the
        /// join, medians 0.42 vs 0.37, 0.41 vs 0.38, 0.42 vs 0.415 × kcat; 16,384 measured the same as 8,192).
        var maxBatch = 8_192
        var pollTimeout: Duration = .milliseconds(100)
        /// After the first record of a poll, how long to gather more: each partition's fetch response would
        /// otherwise be its own batch, ledger entry, shard hop and (emit interval 0) emission round.
        var gather: Duration = .milliseconds(1)
        /// How long the ingest thread waits for shards over their high-water mark to drain below the low-water mark
        /// before it pauses the input (see ``EngineBackpressure``: a pause discards what librdkafka prefetched).
        /// Draining takes the shards a fraction of a second; a longer hold-up pauses, so rebalances are still
        /// served within about this long.
        var backpressureWait: Duration = .seconds(1)
        /// Pause input when the producer holds this many undelivered records.
        var producerHighWater = 400_000
        var producerLowWater = 100_000
        var drainTimeout: Duration = .seconds(25)
        /// The input is catching up while more records than this wait in the assigned partitions beyond what
        /// was polled (see ``ProfileEngine/setCatchingUp(_:)``).
        var catchUpLag = 20_000
    }

    private let settings: Settings
    /// Set at the end of `init`: the consumer needs `self` as its rebalance handler.
    private var consumer: KafkaConsumer!
    private let engine: ProfileEngine
    private let publisher: OutputPublisher
    private let producer: KafkaProducer
    private let ledger: OffsetLedger
    private let state: PartitionStateManager
    private let metrics: PortraitMetrics
    private let health: ServiceHealth
    private let stop: StopSignal
    private let logger: Logger
    private let decoder: InteractionDecoder

    // Ingest-thread state.
    private var assigned: Set<Int32> = []
    private var paused = false
    private var stored: [Int32: Int64] = [:]
    private var events = InteractionBatch()
    /// The highest offset per partition of the current poll (kept between polls for its capacity).
    private var ends: [Int32: Int64] = [:]
    /// Per assigned partition, the offset after the last record polled.
    private var polledNext: [Int32: Int64] = [:]
    private var lastLagUpdate = ContinuousClock.now
    private var lastCatchUpCheck = ContinuousClock.now
    private var previousPollHadRecords = false
    /// Whether the last poll came back empty (read by the ledger's progress observer on other threads).
    private let inputQuiet = Atomic<Bool>(false)

    /// Records read since start, for the status line.
    let consumed = Atomic<Int>(0)
    let rejected = Atomic<Int>(0)
    /// Sum of the last known lag over the assigned partitions.
    let totalLag = Atomic<Int>(0)
    private let finished = DispatchSemaphore(value: 0)

    init(
        settings: Settings,
        configuration: KafkaConfiguration,
        engine: ProfileEngine,
        publisher: OutputPublisher,
        producer: KafkaProducer,
        ledger: OffsetLedger,
        state: PartitionStateManager,
        metrics: PortraitMetrics,
        health: ServiceHealth,
        stop: StopSignal,
        logger: Logger
    ) throws(KafkaError) {
        self.settings = settings
        self.engine = engine
        self.publisher = publisher
        self.producer = producer
        self.ledger = ledger
        self.state = state
        self.metrics = metrics
        self.health = health
        self.stop = stop
        self.logger = logger
        self.decoder = InteractionDecoder()
        events.reserveCapacity(Self.smallestBatch)
        metrics.catchingUp.record(0)
        var configuration = configuration
        configuration["statistics.interval.ms"] = configuration["statistics.interval.ms"] ?? "1000"
        self.consumer = try KafkaConsumer(
            configuration: configuration, rebalanceHandler: self, logger: logger,
            statistics: { [health] statistics in
                // Ready needs a broker: with every broker connection down the instance is not serving.
                let brokers = statistics.brokers.filter { $0.nodeID >= 0 }
                let reachable = brokers.isEmpty || brokers.contains { $0.state == "UP" }
                health.update { $0.brokerReachable = reachable }
            }
        )
        // Offsets are stored between polls: a batch that completes while the thread waits for records on a quiet
        // input (the end of a backlog, say) would otherwise wait out the poll timeout before its offsets are
        // stored. Only then: with records flowing the next poll comes within milliseconds anyway, and a wake-up for
        // every completed round (hundreds a second at emit interval 0) would only add thread switches.
        ledger.observeProgress(self)
    }

    // MARK: Thread

    func ledgerProgressed() {
        guard inputQuiet.load(ordering: .relaxed) else { return }
        consumer.wakeUp()
    }

    /// Starts the ingest thread; it subscribes and polls until ``StopSignal`` says stop.
    ///
    /// The subscription is made at once, so the group join (on a new group, the broker's initial rebalance
    /// delay: 3 s by default) runs while `ready` blocks; nothing is polled — no assignment served, no record
    /// applied — until `ready` returns `true` (e.g. once the item catalog is loaded). With `false` the thread
    /// ends without polling. Should `ready` block past `max.poll.interval.ms` (5 min by default), librdkafka
    /// leaves the group and joins again at the first poll: slower, never wrong.
    func start(whenReady ready: @escaping @Sendable () -> Bool = { true }) {
        let thread = Thread { [self] in
            defer { finished.signal() }
            do {
                try consumer.subscribe(topics: [settings.topic])
                guard ready() else { return }
                while !stop.isStopping {
                    try pollOnce()
                }
            } catch {
                logger.critical("input consumer failed: \(error)")
                stop.raise(.fatal(error))
            }
        }
        thread.name = "portrait-ingest"
        thread.start()
    }

    /// Waits for the ingest thread to leave its loop (after ``StopSignal`` was raised).
    func join() {
        finished.wait()
    }

    private func pollOnce() throws {
        applyBackpressure()
        ends.removeAll(keepingCapacity: true)
        var timestamps = RecordTimestamps()
        let nowMs = Int64(Date().timeIntervalSince1970 * 1_000)

        // Records come in runs of one partition (one per fetch response), in offset order: the assignment is
        // looked up and the partition's end written once per run, not hashed twice per record.
        var run = (partition: Int32(-1), assigned: false, end: Int64(-1))
        let count = try consumer.poll(maxMessages: settings.maxBatch, timeout: settings.pollTimeout, gather: settings.gather) {
            message in
            let partition = message.partition.rawValue
            if partition != run.partition {
                if run.assigned { ends[run.partition] = run.end }
                // A revocation served inside this poll (rebalances are served before its records are handed out)
                // may have taken the partition away after its records were fetched: they belong to the new owner
                // now (not processed here, not committed here).
                run = (partition, assigned.contains(partition), -1)
            }
            guard run.assigned else { return }
            let offset = message.offset.rawValue
            run.end = offset
            if let timestamp = message.timestamp { timestamps.append(timestamp) }
            guard let value = message.value else {
                // A null value is not JSON: it goes to the dead letters like any other bad record.
                deadLetter(message, reason: RejectReason(.invalidJSON))
                return
            }
            let position = InputPosition(partition: partition, offset: offset)
            if let reason = decoder.decode(value, nowMs: nowMs, position: position, appendingTo: &events) {
                deadLetter(message, reason: reason)
            }
        }
        if run.assigned { ends[run.partition] = run.end }
        inputQuiet.store(count == 0, ordering: .relaxed)
        if count > 0 && !ends.isEmpty {
            for (partition, offset) in ends { polledNext[partition] = offset + 1 }
            // Entering catch-up is decided before the batch reaches the shards (a backlog's first records are
            // already applied under the stretched interval), leaving it after (the round that ends it comes
            // after everything polled so far).
            if !engine.isCatchingUp { updateCatchUp(every: previousPollHadRecords ? .milliseconds(10) : .zero) }
            finishBatch(timestamps: timestamps)
            // Leaving is checked as often: the round that publishes a backlog's users waits for it, and the machine
            // idled through up to 200 ms of it at the end of `bench e2e` when this ran every 200 ms.
            if engine.isCatchingUp { updateCatchUp(every: .milliseconds(10)) }
            previousPollHadRecords = true
        } else {
            updateCatchUp(every: engine.isCatchingUp ? .zero : .milliseconds(200))
            previousPollHadRecords = false
        }
        storeProcessedOffsets()
        updateLagIfDue()
    }

    /// Events the batch has room for at least (it grows as a poll needs; see `finishBatch`).
    static let smallestBatch = 64

    /// Rejected records of the current poll, copied (they are rare) and produced once the batch is opened.
    private var pendingDeadLetters: [(key: [UInt8]?, value: [UInt8]?, reason: RejectReason, source: String)] = []

    private func deadLetter(_ message: borrowing KafkaMessageView, reason: RejectReason) {
        rejected.add(1, ordering: .relaxed)
        metrics.rejected(reason)
        pendingDeadLetters.append(
            (
                message.key.map { Array($0) }, message.value.map { Array($0) }, reason,
                "\(message.topic)/\(message.partition.rawValue)/\(message.offset.rawValue)"
            )
        )
    }

    /// Opens the poll's batch in the ledger, then hands its parts over: dead letters to the producer,
    /// valid events to the engine (one part per shard).
    private func finishBatch(timestamps: RecordTimestamps) {
        let total = events.count + pendingDeadLetters.count
        consumed.add(total, ordering: .relaxed)
        metrics.batchSize.record(total)
        var byType = [Int](repeating: 0, count: EventType.allCases.count)
        for index in 0..<events.count { byType[Int(events.type(at: index).rawValue)] += 1 }
        for type in EventType.allCases where byType[Int(type.rawValue)] > 0 {
            metrics.consumed(type, count: byType[Int(type.rawValue)])
        }

        let token = ledger.open(ends.map { ($0.key, $0.value) }, timestamps: timestamps)
        for letter in pendingDeadLetters {
            withOptionalBytes(letter.key) { key in
                withOptionalBytes(letter.value) { value in
                    publisher.sendDeadLetter(key: key, value: value, reason: letter.reason, source: letter.source, batch: token)
                }
            }
        }
        pendingDeadLetters.removeAll(keepingCapacity: true)
        if !events.isEmpty {
            let parts = engine.submit(events, token: token)
            ledger.add(token, parts: parts)
            // The shards still read the submitted batch, so emptying it in place would allocate new storage at full
            // capacity (a poll's maximum for every poll of a few records). The next one is sized by this poll.
            let polled = events.count
            events = InteractionBatch()
            events.reserveCapacity(min(settings.maxBatch, max(Self.smallestBatch, polled + polled / 4)))
        }
        ledger.release(token)
    }

    // MARK: Offsets, lag, back-pressure

    /// Stores "processed up to" for every assigned partition that advanced; librdkafka's auto-commit
    /// (every `commit_interval_ms`) commits what is stored, and the rebalance and shutdown paths commit
    /// synchronously.
    ///
    /// Skipped when no batch completed since the last call (most polls at low rates); the partitions that moved are
    /// stored with one `rd_kafka_offsets_store` call.
    private func storeProcessedOffsets(force: Bool = false) {
        let progress = ledger.progress
        guard force || progress != storedProgress else { return }
        storedProgress = progress
        var moved: [KafkaTopicPartition: KafkaOffset] = [:]
        for (partition, next) in ledger.committable() where assigned.contains(partition) && stored[partition] != next {
            moved[KafkaTopicPartition(topic: settings.topic, partition: KafkaPartition(rawValue: partition))] =
                KafkaOffset(rawValue: next)
        }
        guard !moved.isEmpty else { return }
        do {
            try consumer.storeOffsets(moved)
            for (tp, next) in moved { stored[tp.partition.rawValue] = next.rawValue }
        } catch {
            // Per-partition failures (e.g. a partition revoked meanwhile) fail the whole call: store one by one.
            for (tp, next) in moved {
                do {
                    try consumer.storeOffset(tp, nextOffset: next)
                    stored[tp.partition.rawValue] = next.rawValue
                } catch {
                    logger.debug("storing offset \(next.rawValue) of partition \(tp.partition.rawValue): \(error)")
                }
            }
        }
    }

    /// ``OffsetLedger/progress`` at the last ``storeProcessedOffsets(force:)``.
    private var storedProgress: UInt64 = .max

    private func updateLagIfDue() {
        let now = ContinuousClock.now
        guard now - lastLagUpdate >= .seconds(1) else { return }
        lastLagUpdate = now
        var total = 0
        for partition in assigned {
            guard let (_, high) = cachedWatermarks(partition) else { continue }
            let position = stored[partition] ?? committedStart.withLock({ $0[partition] }) ?? high
            let lag = max(0, high - position)
            total += Int(lag)
            metrics.consumerLag(partition: partition, lag)
        }
        totalLag.store(total, ordering: .relaxed)
        metrics.producerQueue.record(producer.outstanding)
    }

    /// An input partition's watermarks as librdkafka last saw them (no request): `nil` until a fetch has answered
    /// with a high watermark; `low` is `nil` while unknown.
    private func cachedWatermarks(_ partition: Int32) -> (low: Int64?, high: Int64)? {
        let tp = KafkaTopicPartition(topic: settings.topic, partition: KafkaPartition(rawValue: partition))
        guard let (low, high) = try? consumer.watermarks(tp, cached: true, timeout: .zero), high.rawValue >= 0 else {
            return nil
        }
        return (low.rawValue >= 0 ? low.rawValue : nil, high.rawValue)
    }

    /// Tells the engine whether the input is catching up — more than `catchUpLag` records between what was
    /// polled and the partitions' high watermarks (librdkafka's cached values, no request; ~0.3 µs a partition);
    /// at most once per `interval`: while not catching up, at every first batch after an empty poll and every
    /// 10 ms while batches keep coming (a backlog is seen at its first batch); otherwise every 200 ms.
    ///
    /// The count is of records not yet *polled*, not of offsets not yet committed: commits wait for emission
    /// rounds, which catching up spaces out, so the committed lag would keep itself high.
    ///
    /// A partition counts from the offset after its last polled record, else its committed offset, else its log
    /// start. One whose high watermark or position is not known yet (no fetch answered) can still make the sum
    /// exceed the threshold, but never lets it count as caught up.
    private func updateCatchUp(every interval: Duration) {
        let now = ContinuousClock.now
        guard now - lastCatchUpCheck >= interval else { return }
        lastCatchUpCheck = now
        var behind = 0
        var complete = true
        for partition in assigned {
            guard let (low, high) = cachedWatermarks(partition),
                let next = polledNext[partition] ?? committedStart.withLock({ $0[partition] }) ?? low
            else {
                complete = false
                continue
            }
            behind += Int(max(0, high - next))
        }
        let catchingUp = behind > settings.catchUpLag
        guard catchingUp != engine.isCatchingUp, catchingUp || complete else { return }
        engine.setCatchingUp(catchingUp)
        metrics.catchingUp.record(catchingUp ? 1 : 0)
        if catchingUp {
            logger.info("catching up: \(behind) input records behind; emission rounds are spaced out until within \(settings.catchUpLag)")
        } else {
            logger.info("caught up: \(behind) input records behind")
        }
    }

    /// The group's committed offset of each assigned partition at assignment, for the lag gauge until this
    /// instance stores an offset of its own; filled off the ingest thread (see `partitionsAssigned`).
    private let committedStart = Mutex<[Int32: Int64]>([:])

    private func applyBackpressure() {
        var engineOver = publisher.backpressure.isOver
        if engineOver && !paused {
            let started = ContinuousClock.now
            engineOver = !publisher.backpressure.waitUntilUnder(timeout: settings.backpressureWait)
            metrics.backpressureWait.increment(by: (.now - started).inSeconds)
        }
        let outstanding = producer.outstanding
        let over = engineOver || outstanding > settings.producerHighWater
        let under = !engineOver && outstanding < settings.producerLowWater
        if over && !paused {
            setPaused(true)
        } else if under && paused {
            setPaused(false)
        }
    }

    private func setPaused(_ pause: Bool) {
        let tps = assigned.map { KafkaTopicPartition(topic: settings.topic, partition: KafkaPartition(rawValue: $0)) }
        do {
            if pause { try consumer.pause(tps) } else { try consumer.resume(tps) }
            paused = pause
            metrics.pausedForBackpressure.record(pause ? 1 : 0)
            logger.debug("\(pause ? "paused" : "resumed") \(tps.count) input partitions for back-pressure")
        } catch {
            logger.warning("could not \(pause ? "pause" : "resume") input partitions: \(error)")
        }
    }

    // MARK: Rebalancing (ingest thread, inside poll)

    func partitionsAssigned(_ tps: [KafkaTopicPartition], consumer: KafkaConsumer) {
        let partitions = tps.map(\.partition.rawValue)
        metrics.rebalances.increment()
        ledger.assign(partitions)
        do {
            // Before any input of these partitions is handed out: this callback runs inside poll.
            try state.restore(partitions)
        } catch {
            // Never process input on top of a partial state: hold the partitions and stop.
            try? consumer.pause(tps)
            logger.critical("could not restore the state of input partitions \(partitions.sorted()): \(error)")
            stop.raise(.fatal(error))
            return
        }
        assigned.formUnion(partitions)
        metrics.partitionsAssigned.record(assigned.count)
        if paused { try? consumer.pause(tps) }
        // Only the lag gauge needs the committed offsets: ask off this thread. Inside the rebalance callback the
        // query blocked the ingest thread (no records, no further rebalance steps) for up to its 5 s timeout
        // while the coordinator was still busy with the rebalance.
        DispatchQueue.global().async { [self] in
            guard let committed = try? consumer.committedOffsets(tps, timeout: .seconds(5)) else { return }
            committedStart.withLock { starts in
                for (tp, offset) in committed where offset.rawValue >= 0 { starts[tp.partition.rawValue] = offset.rawValue }
            }
        }
        logger.info("assigned input partitions \(partitions.sorted()) (now \(assigned.count))")
        health.set(.running, "consuming \(assigned.count) partitions")
    }

    func partitionsRevoked(_ tps: [KafkaTopicPartition], lost: Bool, consumer: KafkaConsumer) {
        let partitions = Set(tps.map(\.partition.rawValue))
        metrics.rebalances.increment()
        if lost {
            logger.warning("input partitions \(partitions.sorted()) lost: their in-flight work is discarded and replayed by the new owner")
        } else {
            drain(partitions)
            storeProcessedOffsets(force: true)
            do {
                try consumer.commit(synchronously: true)
            } catch {
                logger.warning("commit on revocation of \(partitions.sorted()): \(error)")
            }
        }
        ledger.revoke(Array(partitions))
        state.release(partitions)
        assigned.subtract(partitions)
        for partition in partitions {
            stored[partition] = nil
            polledNext[partition] = nil
            committedStart.withLock { $0[partition] = nil }
            metrics.consumerLag(partition: partition, nil)
        }
        metrics.partitionsAssigned.record(assigned.count)
        logger.info("revoked input partitions \(partitions.sorted()) (now \(assigned.count))")
    }

    /// Flushes the engine and waits until every consumed offset of `partitions` (all when `nil`) is processed.
    /// Returns whether that happened within the drain timeout.
    ///
    /// The flush cuts a full round in every shard (not only the revoked partitions' users): a round reports
    /// its input tokens only when no dirty user is left, and a full round is what lets the revoked
    /// partitions' batches complete now rather than at the next timer tick.
    @discardableResult
    func drain(_ partitions: Set<Int32>?) -> Bool {
        blockingAwait { await self.engine.flush(partitions: nil) }
        let deadline = ContinuousClock.now + settings.drainTimeout
        while !ledger.isDrained(partitions) {
            if ContinuousClock.now > deadline || stop.fatalError != nil {
                logger.error("drain of \(partitions.map { "\($0.sorted())" } ?? "all partitions") timed out; uncommitted input will be replayed")
                return false
            }
            usleep(1_000)
        }
        return true
    }

    // MARK: Shutdown (after the thread has left its loop)

    /// Drains everything, commits synchronously, snapshots the owned partitions and closes the consumer.
    ///
    /// The snapshot comes before `close`, whose final revocation drops the state.
    func shutdown() -> Bool {
        let drained = drain(nil)
        storeProcessedOffsets(force: true)
        do {
            try consumer.commit(synchronously: true)
            metrics.commits.increment()
        } catch {
            logger.warning("final commit: \(error)")
        }
        if drained && stop.fatalError == nil {
            blockingAwait { await self.state.snapshot() }
        }
        do {
            try consumer.close()
        } catch {
            logger.warning("closing the input consumer: \(error)")
        }
        return drained
    }
}

/// Runs an async operation to completion from a thread outside Swift's cooperative pool.
func blockingAwait(_ operation: @escaping @Sendable () async -> Void) {
    let done = DispatchSemaphore(value: 0)
    Task {
        await operation()
        done.signal()
    }
    done.wait()
}

private func withOptionalBytes(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> Void) {
    guard let bytes else { return body(nil) }
    bytes.withUnsafeBytes { body($0) }
}
