import CRdKafka
import Foundation
import Logging
import Synchronization

/// The producer side of an `rd_kafka_t`: enqueueing, and the thread serving its event queue.
///
/// Delivery reports, errors and statistics come through librdkafka's event API on the main queue
/// (`RD_KAFKA_EVENT_DR` batches), served by one dedicated thread that hands each batch to the caller's handler.
///
/// Thread safety: `send` may be called from any thread (librdkafka's produce is thread-safe; topic handles are
/// cached behind a lock); the event thread is the only reader of the main queue; flags are atomics.
final class RDKafkaProducerHandle: @unchecked Sendable {
    let client: RDKafkaClient
    private let mainQueue: OpaquePointer
    private let running = Atomic<Bool>(true)
    private let closed = Atomic<Bool>(false)
    private let stopped = DispatchSemaphore(value: 0)
    private let deliveryReports: @Sendable ([KafkaDeliveryReport]) -> Void
    /// Signalled after every delivery-report batch, for senders waiting on a full queue.
    private let delivered = NSCondition()
    /// Delivery-report batches seen so far; guarded by `delivered`.
    private var deliveredBatches: UInt64 = 0
    private let logger: Logger

    init(
        configuration: [String: String], context: RDKafkaCallbackContext,
        deliveryReports: @escaping @Sendable ([KafkaDeliveryReport]) -> Void
    ) throws(KafkaError) {
        let config = try RDKafkaConfig(configuration)
        var events = RD_KAFKA_EVENT_DR | RD_KAFKA_EVENT_ERROR
        if context.statistics != nil { events |= RD_KAFKA_EVENT_STATS }
        rd_kafka_conf_set_events(config.pointer, events)
        let client = try RDKafkaClient(kind: .producer, config: config, context: context)
        self.client = client
        self.mainQueue = rd_kafka_queue_get_main(client.handle)
        self.deliveryReports = deliveryReports
        self.logger = context.logger
        // The thread holds the handle until `stop()`; `KafkaProducer.deinit` calls it, so nothing leaks.
        let thread = Thread { [self] in self.serveEvents() }
        thread.name = "kafka-producer-events"
        thread.start()
    }

    deinit {
        stop()
        rd_kafka_queue_destroy(mainQueue)
    }

    /// Stops the event thread (idempotent) and waits for it.
    func stop() {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        rd_kafka_queue_yield(mainQueue)
        stopped.wait()
    }

    func markClosed() -> Bool { !closed.exchange(true, ordering: .acquiringAndReleasing) }

    private func serveEvents() {
        let capacity = 1024
        let messages = UnsafeMutablePointer<UnsafePointer<rd_kafka_message_t>?>.allocate(capacity: capacity)
        defer {
            messages.deallocate()
            stopped.signal()
        }
        var lastTopic: OpaquePointer?
        var lastTopicName = ""
        while running.load(ordering: .acquiring) {
            guard let event = rd_kafka_queue_poll(mainQueue, 200) else { continue }
            defer { rd_kafka_event_destroy(event) }
            switch rd_kafka_event_type(event) {
            case RD_KAFKA_EVENT_DR:
                var reports: [KafkaDeliveryReport] = []
                reports.reserveCapacity(rd_kafka_event_message_count(event))
                while true {
                    let count = rd_kafka_event_message_array(event, messages, capacity)
                    if count == 0 { break }
                    for index in 0..<count {
                        let message = messages[index]!
                        let rkt = message.pointee.rkt
                        if rkt != lastTopic {
                            lastTopic = rkt
                            lastTopicName = String(cString: rd_kafka_topic_name(rkt))
                        }
                        let err = message.pointee.err
                        reports.append(
                            KafkaDeliveryReport(
                                topic: lastTopicName, partition: KafkaPartition(message.pointee.partition),
                                offset: err == RD_KAFKA_RESP_ERR_NO_ERROR ? KafkaOffset(message.pointee.offset) : .invalid,
                                error: err == RD_KAFKA_RESP_ERR_NO_ERROR
                                    ? nil : KafkaError(rdCode: err.rawValue, detail: "delivery", client: client.handle),
                                token: portrait_message_token(message)))
                    }
                }
                deliveryReports(reports)
                delivered.lock()
                deliveredBatches &+= 1
                delivered.broadcast()
                delivered.unlock()
            case RD_KAFKA_EVENT_ERROR:
                let err = rd_kafka_event_error(event)
                let text = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? ""
                if rd_kafka_event_error_is_fatal(event) != 0 {
                    let fatal = client.fatalError ?? KafkaError(rdCode: err.rawValue, detail: text)
                    logger.critical("Kafka producer fatal error: \(fatal)")
                } else {
                    let error = KafkaError(rdCode: err.rawValue, detail: text)
                    logger.log(level: error.retryLogLevel, "Kafka producer error (librdkafka retries): \(error)")
                }
            case RD_KAFKA_EVENT_STATS:
                if let handler = client.context.statistics, let json = rd_kafka_event_stats(event),
                    let statistics = KafkaStatistics(json: Data(bytes: json, count: strlen(json)))
                {
                    handler(statistics)
                }
            default:
                break
            }
        }
    }

    func topicHandle(_ name: String) throws(KafkaError) -> KafkaTopicHandle {
        KafkaTopicHandle(name: name, client: client, pointer: try client.topic(name).pointer)
    }

    func send(
        topic: String, partition: KafkaPartition?, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        headers: [KafkaHeader], token: UInt64
    ) throws(KafkaError) {
        try send(
            rkt: try client.topic(topic).pointer, name: topic, partition: partition, key: key, value: value,
            headers: headers, token: token)
    }

    func send(
        rkt: OpaquePointer, name topic: @autoclosure () -> String, partition: KafkaPartition?,
        key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, headers: [KafkaHeader], token: UInt64
    ) throws(KafkaError) {
        if closed.load(ordering: .relaxed) {
            throw KafkaError(rdCode: RD_KAFKA_RESP_ERR__STATE.rawValue, detail: "send after close")
        }
        let error: OpaquePointer?
        if headers.isEmpty {
            error = portrait_produce(
                client.handle, rkt, partition?.rawValue ?? -1, key?.baseAddress, key?.count ?? 0,
                value?.baseAddress, value?.count ?? 0, nil, nil, nil, 0, token)
        } else {
            error = Self.withHeaderArrays(headers) { names, values, sizes in
                portrait_produce(
                    client.handle, rkt, partition?.rawValue ?? -1, key?.baseAddress, key?.count ?? 0,
                    value?.baseAddress, value?.count ?? 0, names, values, sizes, headers.count, token)
            }
        }
        try KafkaError.check(error, "produce to \(topic())")
    }

    /// Lays headers out as the C arrays `portrait_produce` takes (names NUL-terminated, null values as NULL).
    ///
    /// The arrays live in stack-allocated scratch and point straight into the headers' own storage (Swift
    /// strings hand out NUL-terminated UTF-8 without copying): no heap allocation per message, which matters
    /// because every profile record carries a header.
    private static func withHeaderArrays<R>(
        _ headers: [KafkaHeader],
        _ body: (UnsafePointer<UnsafePointer<CChar>?>, UnsafePointer<UnsafeRawPointer?>, UnsafePointer<Int>) -> R
    ) -> R {
        withUnsafeTemporaryAllocation(of: UnsafePointer<CChar>?.self, capacity: headers.count) { names in
            withUnsafeTemporaryAllocation(of: UnsafeRawPointer?.self, capacity: headers.count) { values in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: headers.count) { sizes in
                    fillHeaders(headers, from: 0, names, values, sizes) {
                        body(
                            UnsafePointer(names.baseAddress!), UnsafePointer(values.baseAddress!),
                            UnsafePointer(sizes.baseAddress!))
                    }
                }
            }
        }
    }

    /// Fills slot `index` onwards while the header storage is pinned (one nesting level per header; at most 16).
    private static func fillHeaders<R>(
        _ headers: [KafkaHeader], from index: Int, _ names: UnsafeMutableBufferPointer<UnsafePointer<CChar>?>,
        _ values: UnsafeMutableBufferPointer<UnsafeRawPointer?>, _ sizes: UnsafeMutableBufferPointer<Int>,
        _ body: () -> R
    ) -> R {
        guard index < headers.count else { return body() }
        return headers[index].key.withCString { name in
            names[index] = name
            guard let value = headers[index].value else {
                values[index] = nil
                sizes[index] = 0
                return fillHeaders(headers, from: index + 1, names, values, sizes, body)
            }
            return value.withUnsafeBytes { bytes in
                // An empty value still needs a non-null pointer (null means a null header value).
                values[index] = bytes.baseAddress ?? UnsafeRawPointer(name)
                sizes[index] = bytes.count
                return fillHeaders(headers, from: index + 1, names, values, sizes, body)
            }
        }
    }

    var outstanding: Int { Int(rd_kafka_outq_len(client.handle)) }

    /// Blocks until the next delivery-report batch (which frees queue space) or until `timeout`.
    func waitForDeliveries(timeout: Duration) {
        let deadline = Date(timeIntervalSinceNow: Double(timeout.rdMilliseconds) / 1000)
        delivered.lock()
        let seen = deliveredBatches
        while deliveredBatches == seen && running.load(ordering: .relaxed) {
            if !delivered.wait(until: deadline) { break }
        }
        delivered.unlock()
    }

    func flush(timeout: Duration) throws(KafkaError) {
        try KafkaError.check(rd_kafka_flush(client.handle, timeout.rdMilliseconds), "flush (\(outstanding) outstanding)")
    }
}
