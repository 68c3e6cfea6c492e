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
                    logger.warning("Kafka producer error (librdkafka retries): \(KafkaError(rdCode: err.rawValue, detail: text))")
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
    private static func withHeaderArrays<R>(
        _ headers: [KafkaHeader],
        _ body: (UnsafePointer<UnsafePointer<CChar>?>, UnsafePointer<UnsafeRawPointer?>, UnsafePointer<Int>) -> R
    ) -> R {
        var names: [CChar] = []
        var values: [UInt8] = []
        var nameOffsets: [Int] = []
        var valueOffsets: [Int?] = []
        var sizes: [Int] = []
        for header in headers {
            nameOffsets.append(names.count)
            names.append(contentsOf: header.key.utf8.map { CChar(bitPattern: $0) })
            names.append(0)
            if let value = header.value {
                valueOffsets.append(values.count)
                values.append(contentsOf: value)
                sizes.append(value.count)
            } else {
                valueOffsets.append(nil)
                sizes.append(0)
            }
        }
        values.append(0)  // a valid base address even when every value is empty
        return names.withUnsafeBufferPointer { namesBuffer in
            values.withUnsafeBytes { valuesBuffer in
                let namePointers: [UnsafePointer<CChar>?] = nameOffsets.map { namesBuffer.baseAddress! + $0 }
                let valuePointers: [UnsafeRawPointer?] = valueOffsets.map { $0.map { valuesBuffer.baseAddress! + $0 } }
                return body(namePointers, valuePointers, sizes)
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
