import CRdKafka
import Logging
import Synchronization

/// The consumer side of an `rd_kafka_t`: its queue, the batch buffer and the group calls.
///
/// Thread safety: librdkafka's consumer calls are thread-safe; the batch buffer and topic-name cache are used by
/// one poller at a time, enforced by a `Mutex` taken once per batch (not per message). The delivered positions
/// have their own lock, never held while application code runs, so `resume` and `seek` may be called from a poll's
/// body or a rebalance callback.
///
/// ## Why the consumer rewinds (librdkafka 2.0.x)
///
/// librdkafka 2.0.0 lists a known issue, "Poor Consumer batch API messaging guarantees": with
/// `rd_kafka_consume_batch_queue` and more than one message per call, **seek**, **pause**, **resume** and
/// **rebalancing** can make records be lost or returned twice. 2.1.0 fixed it (#4208: batch calls "intermittently
/// skipping offsets when pause or resume was being used for a partition"). Debian ships 2.0.2, and the joiner
/// durability test lost records this way: one producer batch of every partition an instance kept through a
/// rebalance, never delivered, then committed past (2 runs in ~21), although the rebalance callback is served
/// inside the poll as the release notes recommend. So the handle remembers the last offset it handed to the
/// application per partition and, after any poll that served a rebalance and after every `resume`, seeks those
/// partitions to the offset after it: whatever was dropped is fetched again, nothing is delivered twice. With
/// nothing dropped the seek only refetches what was already buffered. Newer librdkafka does not need it and is
/// not harmed by it.
final class RDKafkaConsumerHandle: @unchecked Sendable {
    let client: RDKafkaClient
    let queue: OpaquePointer
    private let closed = Atomic<Bool>(false)
    /// Set while a poll waits for its first record: the only wait `wakeUp` ends.
    private let waitingForFirstRecord = Atomic<Bool>(false)
    private let pollState: Mutex<PollState>
    /// Per partition, the offset of the last record handed to the application (see "Why the consumer rewinds").
    private let delivered = Mutex<[KafkaTopicPartition: Int64]>([:])

    struct PollState: ~Copyable {
        var buffer: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>
        var capacity: Int
        var lastTopic: OpaquePointer?
        var lastTopicName: String = ""
        /// The last record of each run of one partition in the current batch (see `remember`).
        var runs: [(KafkaTopicPartition, Int64)] = []

        init(capacity: Int) {
            self.capacity = capacity
            buffer = .allocate(capacity: capacity)
        }

        deinit { buffer.deallocate() }
    }

    init(configuration: [String: String], context: RDKafkaCallbackContext) throws(KafkaError) {
        let config = try RDKafkaConfig(configuration)
        rd_kafka_conf_set_rebalance_cb(config.pointer, rdRebalanceCallback)
        if context.statistics != nil { rd_kafka_conf_set_stats_cb(config.pointer, rdStatsCallback) }
        let client = try RDKafkaClient(kind: .consumer, config: config, context: context)
        try KafkaError.check(rd_kafka_poll_set_consumer(client.handle), "rd_kafka_poll_set_consumer")
        self.client = client
        self.queue = rd_kafka_queue_get_consumer(client.handle)
        self.pollState = Mutex(PollState(capacity: 1024))
    }

    deinit {
        if !closed.load(ordering: .acquiring) { rd_kafka_consumer_close(client.handle) }
        rd_kafka_queue_destroy(queue)
    }

    var handle: OpaquePointer { client.handle }

    /// Makes a poll waiting for its first record return now with none; otherwise does nothing, so a poll gathering
    /// more records after its first keeps its batch. (A wake-up racing with the end of the first wait can still cut
    /// that poll's gathering short: fewer records in one batch, nothing lost.)
    func wakeUp() {
        guard waitingForFirstRecord.load(ordering: .acquiring) else { return }
        rd_kafka_queue_yield(queue)
    }

    func poll(
        maxMessages: Int, timeout: Duration, gather: Duration = .zero, logger: Logger,
        _ body: (borrowing KafkaMessageView) throws -> Void
    ) throws -> Int {
        let rebalances = client.context.rebalances
        defer {
            if client.context.rebalances != rebalances { rewindAfterRebalance(logger: logger) }
        }
        return try pollState.withLock { state throws -> Int in
            if maxMessages > state.capacity {
                state.buffer.deallocate()
                state.buffer = .allocate(capacity: maxMessages)
                state.capacity = maxMessages
            }
            // Wait for the first record only, then take what is already queued (or arrives within `gather`):
            // consume_batch_queue blocks until the batch is full or the timeout passes, which would add the
            // whole timeout to the latency of every record at moderate rates.
            waitingForFirstRecord.store(true, ordering: .releasing)
            var count = rd_kafka_consume_batch_queue(queue, timeout.rdMilliseconds, state.buffer, 1)
            waitingForFirstRecord.store(false, ordering: .releasing)
            if count < 0 {
                throw KafkaError(rdCode: rd_kafka_last_error().rawValue, detail: "rd_kafka_consume_batch_queue")
            }
            if count == 1 && maxMessages > 1 {
                let more = rd_kafka_consume_batch_queue(queue, gather.rdMilliseconds, state.buffer + 1, maxMessages - 1)
                if more > 0 { count += more }
            }
            let buffer = state.buffer
            var index = 0
            defer { while index < count { rd_kafka_message_destroy(buffer[index]); index += 1 } }
            var delivered = 0
            var fatal: KafkaError?
            // The last record of each run of one partition is remembered (records arrive grouped by fetch
            // response, so this is a few dictionary writes per batch, not one per record).
            var run: (rkt: OpaquePointer?, partition: Int32, offset: Int64) = (nil, -1, -1)
            func endRun(_ state: inout PollState) {
                guard run.rkt != nil else { return }
                state.runs.append((KafkaTopicPartition(topic: state.lastTopicName, partition: KafkaPartition(rawValue: run.partition)), run.offset))
            }
            // Also when `body` throws: what it was handed counts as delivered.
            defer {
                endRun(&state)
                remember(state.runs)
                state.runs.removeAll(keepingCapacity: true)
            }
            while index < count {
                let message = buffer[index]!
                if message.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    fatal = fatal ?? handleError(message, logger: logger)
                } else {
                    let rkt = message.pointee.rkt
                    if rkt != run.rkt || message.pointee.partition != run.partition {
                        endRun(&state)
                        run = (rkt, message.pointee.partition, -1)
                    }
                    if rkt != state.lastTopic {
                        state.lastTopic = rkt
                        state.lastTopicName = String(cString: rd_kafka_topic_name(rkt))
                    }
                    run.offset = message.pointee.offset
                    let view = KafkaMessageView(message: UnsafeRawPointer(message), topic: state.lastTopicName)
                    try body(view)
                    delivered += 1
                }
                rd_kafka_message_destroy(message)
                index += 1
            }
            if let fatal { throw fatal }
            return delivered
        }
    }

    private func remember(_ runs: [(KafkaTopicPartition, Int64)]) {
        guard !runs.isEmpty else { return }
        delivered.withLock { delivered in
            for (tp, offset) in runs { delivered[tp] = offset }
        }
    }

    /// Seeks every partition still assigned to the offset after the last record handed to the application (see
    /// "Why the consumer rewinds"); runs after a poll that served a rebalance.
    private func rewindAfterRebalance(logger: Logger) {
        let assigned: Set<KafkaTopicPartition>
        do {
            assigned = Set(try assignment())
        } catch {
            logger.warning("after a rebalance: \(error); partitions not rewound")
            return
        }
        let targets = delivered.withLock { delivered in
            delivered = delivered.filter { assigned.contains($0.key) }
            return delivered
        }
        rewind(targets, after: "a rebalance", logger: logger)
    }

    private func rewind(_ targets: [KafkaTopicPartition: Int64], after cause: String, logger: Logger) {
        guard !targets.isEmpty else { return }
        do {
            try seekPartitions(targets.mapValues { KafkaOffset(rawValue: $0 + 1) }, timeout: .seconds(5), "seek after \(cause)")
        } catch {
            logger.warning("could not rewind \(targets.count) partitions to their last delivered record after \(cause): \(error)")
        }
    }

    /// Forgets the delivered positions of partitions that left the assignment (revoked, lost or unassigned).
    func forgetDelivered(_ tps: [KafkaTopicPartition]) {
        delivered.withLock { delivered in
            for tp in tps { delivered[tp] = nil }
        }
    }

    /// Logs a non-fatal consumer error (librdkafka recovers by itself) and returns a fatal one to throw.
    private func handleError(_ message: UnsafeMutablePointer<rd_kafka_message_t>, logger: Logger) -> KafkaError? {
        let err = message.pointee.err
        if err == RD_KAFKA_RESP_ERR__PARTITION_EOF { return nil }
        var detail = "consumer error"
        if let payload = message.pointee.payload, message.pointee.len > 0 {
            let text = UnsafeRawBufferPointer(start: payload, count: message.pointee.len)
            detail = String(decoding: text, as: UTF8.self)
        }
        let error = KafkaError(rdCode: err.rawValue, detail: detail, client: client.handle)
        if error.isFatal || client.fatalError != nil {
            return client.fatalError ?? error
        }
        logger.log(level: error.retryLogLevel, "Kafka consumer error (librdkafka retries): \(error)")
        return nil
    }

    func markClosed() -> Bool { !closed.exchange(true, ordering: .acquiringAndReleasing) }

    // MARK: group and partition calls

    func subscribe(_ topics: [String]) throws(KafkaError) {
        let list = RDKafkaTopicPartitionList(capacity: topics.count)
        for topic in topics { list.add(KafkaTopicPartition(topic: topic, partition: KafkaPartition(-1)), offset: .invalid) }
        try KafkaError.check(rd_kafka_subscribe(handle, list.pointer), "subscribe \(topics)")
    }

    func assign(_ offsets: [KafkaTopicPartition: KafkaOffset]) throws(KafkaError) {
        let list = RDKafkaTopicPartitionList(offsets)
        try KafkaError.check(rd_kafka_assign(handle, list.pointer), "assign \(offsets.count) partitions")
        // A new assignment replaces the old one, positions included.
        delivered.withLock { delivered in
            delivered = [:]
            for (tp, offset) in offsets where offset.rawValue >= 0 { delivered[tp] = offset.rawValue - 1 }
        }
    }

    func storeOffsets(_ offsets: [KafkaTopicPartition: KafkaOffset]) throws(KafkaError) {
        let list = RDKafkaTopicPartitionList(offsets)
        try KafkaError.check(rd_kafka_offsets_store(handle, list.pointer), "store offsets", client: handle)
        try list.checkElements("store offset")
    }

    func commit(synchronously: Bool) throws(KafkaError) {
        let err = rd_kafka_commit(handle, nil, synchronously ? 0 : 1)
        if err == RD_KAFKA_RESP_ERR__NO_OFFSET { return }
        try KafkaError.check(err, "commit", client: handle)
    }

    func pause(_ tps: [KafkaTopicPartition]) throws(KafkaError) {
        let list = RDKafkaTopicPartitionList(tps)
        try KafkaError.check(rd_kafka_pause_partitions(handle, list.pointer), "pause")
        try list.checkElements("pause")
    }

    /// Resumes fetching, from the offset after the last record delivered (see "Why the consumer rewinds").
    func resume(_ tps: [KafkaTopicPartition], logger: Logger) throws(KafkaError) {
        let list = RDKafkaTopicPartitionList(tps)
        try KafkaError.check(rd_kafka_resume_partitions(handle, list.pointer), "resume")
        try list.checkElements("resume")
        let resumed = Set(tps)
        let targets = delivered.withLock { delivered in delivered.filter { resumed.contains($0.key) } }
        rewind(targets, after: "resume", logger: logger)
    }

    func seek(_ tp: KafkaTopicPartition, to offset: KafkaOffset, timeout: Duration) throws(KafkaError) {
        try seekPartitions([tp: offset], timeout: timeout, "seek \(tp)")
        // Later rewinds go to the application's choice (a logical offset leaves the next position to librdkafka).
        delivered.withLock { $0[tp] = offset.rawValue >= 0 ? offset.rawValue - 1 : nil }
    }

    /// `rd_kafka_seek_partitions` (synchronous: waits up to `timeout` for every partition's result).
    private func seekPartitions(
        _ offsets: [KafkaTopicPartition: KafkaOffset], timeout: Duration, _ context: String
    ) throws(KafkaError) {
        let list = RDKafkaTopicPartitionList(offsets)
        try KafkaError.check(rd_kafka_seek_partitions(handle, list.pointer, timeout.rdMilliseconds), context)
        try list.checkElements(context)
    }

    func committed(_ tps: [KafkaTopicPartition], timeout: Duration) throws(KafkaError) -> [KafkaTopicPartition: KafkaOffset] {
        let list = RDKafkaTopicPartitionList(tps)
        try KafkaError.check(rd_kafka_committed(handle, list.pointer, timeout.rdMilliseconds), "committed offsets")
        try list.checkElements("committed offset")
        return Dictionary(list.elements.map { ($0.tp, $0.offset) }, uniquingKeysWith: { $1 })
    }

    func position(_ tp: KafkaTopicPartition) throws(KafkaError) -> KafkaOffset? {
        let list = RDKafkaTopicPartitionList([tp])
        try KafkaError.check(rd_kafka_position(handle, list.pointer), "position \(tp)")
        guard let offset = list.elements.first?.offset, offset.rawValue >= 0 else { return nil }
        return offset
    }

    func watermarks(_ tp: KafkaTopicPartition, cached: Bool, timeout: Duration) throws(KafkaError)
        -> (low: KafkaOffset, high: KafkaOffset)
    {
        var low: Int64 = -1001
        var high: Int64 = -1001
        let err =
            cached
            ? rd_kafka_get_watermark_offsets(handle, tp.topic, tp.partition.rawValue, &low, &high)
            : rd_kafka_query_watermark_offsets(handle, tp.topic, tp.partition.rawValue, &low, &high, timeout.rdMilliseconds)
        try KafkaError.check(err, "watermarks \(tp)")
        return (KafkaOffset(low), KafkaOffset(high))
    }

    func assignment() throws(KafkaError) -> [KafkaTopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        try KafkaError.check(rd_kafka_assignment(handle, &list), "assignment")
        guard let list else { return [] }
        return RDKafkaTopicPartitionList(adopting: list).elements.map(\.tp)
    }

    func close() throws(KafkaError) {
        try KafkaError.check(rd_kafka_consumer_close(handle), "consumer close", client: handle)
    }
}

extension RDKafkaClient {
    /// The partition count of `topic` from a metadata request.
    func partitionCount(topic name: String, timeout: Duration) throws(KafkaError) -> Int {
        let topic = try self.topic(name)
        var metadata: UnsafePointer<rd_kafka_metadata>?
        try KafkaError.check(rd_kafka_metadata(handle, 0, topic.pointer, &metadata, timeout.rdMilliseconds), "metadata \(name)")
        guard let metadata else { return 0 }
        defer { rd_kafka_metadata_destroy(metadata) }
        guard metadata.pointee.topic_cnt > 0 else {
            throw KafkaError(rdCode: RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC.rawValue, detail: "metadata \(name)")
        }
        let entry = metadata.pointee.topics[0]
        try KafkaError.check(entry.err, "metadata \(name)")
        return Int(entry.partition_cnt)
    }
}
