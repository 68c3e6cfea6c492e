import CRdKafka
import Logging
import Synchronization

/// The consumer side of an `rd_kafka_t`: its queue, the batch buffer and the group calls.
///
/// Thread safety: librdkafka's consumer calls are thread-safe; the batch buffer and topic-name cache are used by
/// one poller at a time, enforced by a `Mutex` taken once per batch (not per message).
final class RDKafkaConsumerHandle: @unchecked Sendable {
    let client: RDKafkaClient
    let queue: OpaquePointer
    private let closed = Atomic<Bool>(false)
    private let pollState: Mutex<PollState>

    struct PollState: ~Copyable {
        var buffer: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>
        var capacity: Int
        var lastTopic: OpaquePointer?
        var lastTopicName: String = ""
        /// Per partition, the offset of the last record handed to the application (see `rewindAfterRebalance`).
        var delivered: [KafkaTopicPartition: Int64] = [:]

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

    func poll(
        maxMessages: Int, timeout: Duration, gather: Duration = .zero, logger: Logger,
        _ body: (borrowing KafkaMessageView) throws -> Void
    ) throws -> Int {
        try pollState.withLock { state throws -> Int in
            if maxMessages > state.capacity {
                state.buffer.deallocate()
                state.buffer = .allocate(capacity: maxMessages)
                state.capacity = maxMessages
            }
            // Wait for the first record only, then take what is already queued (or arrives within `gather`):
            // consume_batch_queue blocks until the batch is full or the timeout passes, which would add the
            // whole timeout to the latency of every record at moderate rates.
            let rebalances = client.context.rebalances
            var count = rd_kafka_consume_batch_queue(queue, timeout.rdMilliseconds, state.buffer, 1)
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
                state.delivered[KafkaTopicPartition(topic: state.lastTopicName, partition: KafkaPartition(rawValue: run.partition))] =
                    run.offset
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
            endRun(&state)
            if client.context.rebalances != rebalances { rewindAfterRebalance(&state, logger: logger) }
            if let fatal { throw fatal }
            return delivered
        }
    }

    /// Seeks every partition still assigned to the offset after the last record handed to the application.
    ///
    /// The joiner durability test caught records that were never delivered (2 runs in ~21): one producer batch of
    /// every partition one instance kept through a rebalance (371 events), missing from its profiles although its
    /// last records had applied up to each partition's end, nothing skipped as a duplicate. The likely cause is
    /// librdkafka 2.0.2 discarding records `rd_kafka_consume_batch_queue` had collected when the rebalance it
    /// serves in the same call pauses the partitions (a new fetch version) after the position moved past them; not
    /// confirmed in librdkafka's source. The seek refetches whatever was dropped and nothing twice; with nothing
    /// dropped it refetches only what was already queued. Runs only after a poll that served a rebalance.
    private func rewindAfterRebalance(_ state: inout PollState, logger: Logger) {
        let assigned: Set<KafkaTopicPartition>
        do {
            assigned = Set(try assignment())
        } catch {
            logger.warning("after a rebalance: \(error); partitions not rewound")
            return
        }
        state.delivered = state.delivered.filter { assigned.contains($0.key) }
        guard !state.delivered.isEmpty else { return }
        let list = RDKafkaTopicPartitionList(state.delivered.mapValues { KafkaOffset(rawValue: $0 + 1) })
        do {
            try KafkaError.check(rd_kafka_seek_partitions(handle, list.pointer, 5_000), "seek after rebalance")
            try list.checkElements("seek after rebalance")
        } catch {
            logger.warning("could not rewind retained partitions after a rebalance: \(error)")
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

    func resume(_ tps: [KafkaTopicPartition]) throws(KafkaError) {
        let list = RDKafkaTopicPartitionList(tps)
        try KafkaError.check(rd_kafka_resume_partitions(handle, list.pointer), "resume")
        try list.checkElements("resume")
    }

    func seek(_ tp: KafkaTopicPartition, to offset: KafkaOffset, timeout: Duration) throws(KafkaError) {
        let list = RDKafkaTopicPartitionList(capacity: 1)
        list.add(tp, offset: offset)
        try KafkaError.check(rd_kafka_seek_partitions(handle, list.pointer, timeout.rdMilliseconds), "seek \(tp)")
        try list.checkElements("seek")
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
