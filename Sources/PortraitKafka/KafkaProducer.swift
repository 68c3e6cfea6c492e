import Logging

/// A Kafka producer over librdkafka: idempotent by default, keyed or explicit-partition sends with headers, and
/// per-message delivery reports in batches.
///
/// Defaults applied unless the configuration sets them: `enable.idempotence=true`, `acks=all`. Linger, batch and
/// compression properties pass through.
///
/// Thread safety: every method may be called from any thread. `deliveryReports` runs on the producer's own event
/// thread, one call per `RD_KAFKA_EVENT_DR` batch; it should hand the batch off quickly.
public final class KafkaProducer: Sendable {
    let rd: RDKafkaProducerHandle
    let logger: Logger

    public static let defaultProperties: [String: String] = [
        "enable.idempotence": "true",
        "acks": "all",
    ]

    public init(
        configuration: KafkaConfiguration, logger: Logger,
        statistics: (@Sendable (KafkaStatistics) -> Void)? = nil,
        deliveryReports: @escaping @Sendable ([KafkaDeliveryReport]) -> Void
    ) throws(KafkaError) {
        try configuration.validate(for: .producer)
        let properties = configuration.withDefaults(Self.defaultProperties)
        let context = RDKafkaCallbackContext(logger: logger, statistics: statistics)
        self.rd = try RDKafkaProducerHandle(configuration: properties, context: context, deliveryReports: deliveryReports)
        self.logger = logger
    }

    /// Enqueues one message; librdkafka copies key, value and headers (`RD_KAFKA_MSG_F_COPY`), so the buffers
    /// need to live only for the call. `partition: nil` uses librdkafka's partitioner on the key.
    ///
    /// Throws ``KafkaError/Code/queueFull`` (retriable) when the local queue is full: wait for delivery reports
    /// and retry. Throws a fatal error once the producer is unusable.
    public func send(
        topic: String, partition: KafkaPartition?, keyBytes: UnsafeRawBufferPointer?,
        valueBytes: UnsafeRawBufferPointer?, headers: [KafkaHeader] = [], token: UInt64
    ) throws(KafkaError) {
        try rd.send(topic: topic, partition: partition, key: keyBytes, value: valueBytes, headers: headers, token: token)
    }

    /// A handle on `topic` for the hot path: sending through it skips the per-message topic lookup.
    public func topic(_ name: String) throws(KafkaError) -> KafkaTopicHandle { try rd.topicHandle(name) }

    /// Enqueues one message to a topic handle from ``topic(_:)``; otherwise as the `String` variant.
    public func send(
        topic: KafkaTopicHandle, partition: KafkaPartition?, keyBytes: UnsafeRawBufferPointer?,
        valueBytes: UnsafeRawBufferPointer?, headers: [KafkaHeader] = [], token: UInt64
    ) throws(KafkaError) {
        precondition(topic.client === rd.client, "topic handle from another producer")
        try rd.send(
            rkt: topic.pointer, name: topic.name, partition: partition, key: keyBytes, value: valueBytes,
            headers: headers, token: token)
    }

    /// Enqueues one message from byte arrays (`nil` key or value is a null key or value).
    public func send(
        topic: String, partition: KafkaPartition?, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader] = [],
        token: UInt64
    ) throws(KafkaError) {
        func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) throws(KafkaError) -> R)
            throws(KafkaError) -> R
        {
            guard let bytes else { return try body(nil) }
            let result: Result<R, KafkaError> = bytes.withUnsafeBytes { buffer in
                do throws(KafkaError) { return .success(try body(buffer)) } catch { return .failure(error) }
            }
            return try result.get()
        }
        try withOptionalBytes(key) { (keyBuffer) throws(KafkaError) in
            try withOptionalBytes(value) { (valueBuffer) throws(KafkaError) in
                try rd.send(
                    topic: topic, partition: partition, key: keyBuffer, value: valueBuffer, headers: headers,
                    token: token)
            }
        }
    }

    /// Blocks until librdkafka reports the next batch of deliveries (which frees local queue space) or `timeout`.
    ///
    /// The back-off for ``KafkaError/Code/queueFull``: cheaper and more prompt than sleeping, since it wakes as
    /// soon as the broker acknowledged something. A batch that arrived just before the call is not counted, so
    /// keep the timeout short (a few milliseconds) and retry the send.
    public func waitForQueueSpace(timeout: Duration) { rd.waitForDeliveries(timeout: timeout) }

    /// Messages not yet delivered or failed (`rd_kafka_outq_len`).
    public var outstanding: Int { rd.outstanding }

    /// Waits until every enqueued message has its delivery report, or throws `_TIMED_OUT`.
    public func flush(timeout: Duration) throws(KafkaError) { try rd.flush(timeout: timeout) }

    /// The fatal error raised on this producer, if any; it must then be closed and recreated.
    public var fatalError: KafkaError? { rd.client.fatalError }

    /// Without ``close(timeout:)`` the event thread is stopped here (queued messages are not flushed).
    deinit { rd.stop() }

    /// Flushes (up to `timeout`), stops the event thread and refuses further sends. The handle is destroyed when
    /// the producer is released; messages still queued then fail with `_PURGE_QUEUE`-style reports no one sees.
    public func close(timeout: Duration) {
        guard rd.markClosed() else { return }
        do {
            try rd.flush(timeout: timeout)
        } catch {
            logger.warning("producer close: \(error)")
        }
        rd.stop()
    }
}
