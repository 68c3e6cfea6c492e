import Logging

/// A Kafka consumer over librdkafka: group subscription with cooperative rebalancing, or manual assignment;
/// batch polling with borrowed zero-copy views; explicit "processed up to" offset storage and commits.
///
/// Defaults applied unless the configuration sets them (`enable.auto.offset.store=false` is always forced, because
/// offsets must only be stored for records the application processed):
/// - `partition.assignment.strategy=cooperative-sticky` when `group.id` is set;
/// - `enable.auto.commit=true` — this commits *stored* offsets only, every `auto.commit.interval.ms`;
/// - `queued.min.messages=500000`, `queued.max.messages.kbytes=262144`: librdkafka 2.0.2 stops fetching for about
///   one second once its local queue passes either (the "fetch stall"), capping a catching-up consumer at about
///   the threshold per second with the CPU idle in between. The count must outlast a second of the application's
///   processing: at 200,000 portraitd's end-to-end benchmark (~300k events/s on two cores while busy) drained the
///   queue in ~0.6 s and then waited ~0.4 s of every second for the next fetch. The byte limit bounds the memory
///   (payload; small messages reach the count first).
///
/// Thread safety: all methods may be called from any thread. ``poll(maxMessages:timeout:_:)`` is meant for one
/// dedicated thread (never Swift's cooperative pool: it blocks up to `timeout`); concurrent polls serialise on a
/// lock. Rebalance callbacks run on the polling thread, inside `poll`, and may call every method except `poll`.
public final class KafkaConsumer: Sendable {
    let rd: RDKafkaConsumerHandle
    let logger: Logger

    /// The properties a consumer starts from; the user's configuration overrides them (except offset storage).
    public static let defaultProperties: [String: String] = [
        "enable.auto.commit": "true",
        "queued.min.messages": "500000",
        "queued.max.messages.kbytes": "262144",
        "enable.partition.eof": "false",
    ]

    public init(
        configuration: KafkaConfiguration, rebalanceHandler: (any KafkaRebalanceHandler)? = nil, logger: Logger,
        statistics: (@Sendable (KafkaStatistics) -> Void)? = nil
    ) throws(KafkaError) {
        var properties = configuration.withDefaults(Self.defaultProperties)
        if properties["group.id"] != nil && properties["partition.assignment.strategy"] == nil {
            properties["partition.assignment.strategy"] = "cooperative-sticky"
        }
        if properties["group.id"] == nil {
            // Manual assignment only. librdkafka 2.0.2 has no consumer queue without a group
            // (`rd_kafka_poll_set_consumer` fails with _UNKNOWN_GROUP), so a placeholder group is set; it never
            // joins (no subscribe) and never commits.
            properties["group.id"] = "portrait-manual-assignment"
            properties["enable.auto.commit"] = "false"
        }
        properties["enable.auto.offset.store"] = "false"
        let context = RDKafkaCallbackContext(logger: logger, rebalanceHandler: rebalanceHandler, statistics: statistics)
        self.rd = try RDKafkaConsumerHandle(configuration: properties, context: context)
        self.logger = logger
        context.consumer = self
    }

    /// Joins the group (from `group.id`) for `topics`; partitions arrive through the rebalance handler.
    public func subscribe(topics: [String]) throws(KafkaError) { try rd.subscribe(topics) }

    /// Assigns partitions manually, starting each at its given offset (e.g. ``KafkaOffset/beginning``); no group.
    public func assign(_ partitions: [KafkaTopicPartition: KafkaOffset]) throws(KafkaError) { try rd.assign(partitions) }

    /// Polls up to `maxMessages` records and calls `body` once per record with a borrowed view; returns how many.
    ///
    /// Uses `rd_kafka_consume_batch_queue` on the consumer queue with one reused pointer buffer: no Swift
    /// allocation per record. Runs rebalance callbacks on the calling thread. Transient errors (broker down,
    /// group errors during rejoin) are logged and polling continues; a fatal error is thrown.
    ///
    /// `gather`: once the first record is there, wait up to this long for the batch to fill (default: take only
    /// what is already queued). librdkafka hands over one fetch response per partition, each waking the poller;
    /// a millisecond of gathering turns those wake-ups into one batch at low rates, and costs nothing at high
    /// rates, where the batch fills at once.
    ///
    /// - Important: if `body` throws, the rest of the batch is dropped from this session (librdkafka's fetch
    ///   position has moved past it): seek back to the first unprocessed offset before polling again.
    public func poll(
        maxMessages: Int, timeout: Duration, gather: Duration = .zero,
        _ body: (borrowing KafkaMessageView) throws -> Void
    ) throws -> Int {
        try rd.poll(maxMessages: maxMessages, timeout: timeout, gather: gather, logger: logger, body)
    }

    /// Ends the wait of a ``poll(maxMessages:timeout:gather:_:)`` blocked for its first record at once: it returns
    /// with nothing. Without such a wait it does nothing (a poll gathering more after its first record keeps its
    /// batch; rarely, a call racing with the end of the first wait shortens the gathering). Any thread.
    public func wakeUp() { rd.wakeUp() }

    /// Records that everything before `nextOffset` in `tp` is processed; commits pick it up.
    public func storeOffset(_ tp: KafkaTopicPartition, nextOffset: KafkaOffset) throws(KafkaError) {
        try rd.storeOffsets([tp: nextOffset])
    }

    /// Stores several "processed up to" offsets at once.
    public func storeOffsets(_ offsets: [KafkaTopicPartition: KafkaOffset]) throws(KafkaError) {
        try rd.storeOffsets(offsets)
    }

    /// Commits the stored offsets; nothing stored since the last commit is not an error.
    public func commit(synchronously: Bool) throws(KafkaError) { try rd.commit(synchronously: synchronously) }

    /// Stops fetching from the partitions; records already buffered locally are dropped and fetched again on resume.
    public func pause(_ tps: [KafkaTopicPartition]) throws(KafkaError) { try rd.pause(tps) }

    /// Restarts fetching at the offset after the last record delivered to the application (with librdkafka 2.0.x a
    /// pause/resume cycle could otherwise skip records; see `RDKafkaConsumerHandle`).
    public func resume(_ tps: [KafkaTopicPartition]) throws(KafkaError) { try rd.resume(tps, logger: logger) }

    /// Moves the fetch position of an assigned partition.
    public func seek(_ tp: KafkaTopicPartition, to offset: KafkaOffset, timeout: Duration) throws(KafkaError) {
        try rd.seek(tp, to: offset, timeout: timeout)
    }

    /// The group's committed offsets (``KafkaOffset/invalid`` where nothing was committed).
    public func committedOffsets(_ tps: [KafkaTopicPartition], timeout: Duration) throws(KafkaError)
        -> [KafkaTopicPartition: KafkaOffset]
    {
        try rd.committed(tps, timeout: timeout)
    }

    /// Low and high watermarks: `cached` reads the last fetch response (no request), else asks the leader.
    public func watermarks(_ tp: KafkaTopicPartition, cached: Bool, timeout: Duration) throws(KafkaError)
        -> (low: KafkaOffset, high: KafkaOffset)
    {
        try rd.watermarks(tp, cached: cached, timeout: timeout)
    }

    /// The topic's partition count from cluster metadata.
    public func partitionCount(topic: String, timeout: Duration) throws(KafkaError) -> Int {
        try rd.client.partitionCount(topic: topic, timeout: timeout)
    }

    /// The partitions currently assigned to this consumer.
    public func assignment() throws(KafkaError) -> [KafkaTopicPartition] { try rd.assignment() }

    /// The offset after the last record of `tp` handed to this consumer's application (librdkafka's
    /// application position: it also moves past control records it filters out); `nil` before any.
    public func position(_ tp: KafkaTopicPartition) throws(KafkaError) -> KafkaOffset? { try rd.position(tp) }

    /// The fatal error raised on this consumer, if any; the consumer must then be closed and recreated.
    public var fatalError: KafkaError? { rd.client.fatalError }

    /// Commits stored offsets synchronously, leaves the group (revoke callbacks run here) and closes.
    /// The handle itself is destroyed when the consumer is released. Calling it twice is harmless.
    public func close() throws(KafkaError) {
        guard rd.markClosed() else { return }
        do {
            try rd.commit(synchronously: true)
        } catch {
            logger.warning("final commit failed: \(error)")
        }
        try rd.close()
    }
}
