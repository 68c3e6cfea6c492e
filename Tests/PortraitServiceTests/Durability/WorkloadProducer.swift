import Logging
import PortraitKafka
import Synchronization

/// Produces a workload's events to the input topic keyed by `user_id`, in timed chunks like live traffic.
///
/// Idempotent, `acks=all` and `message.timeout.ms=0`: while the broker is down sends wait in the local queue and
/// are retried without duplicates, so the input holds every event exactly once.
final class WorkloadProducer: Sendable {
    private let producer: KafkaProducer
    private let reports: Reports
    private let topic: String

    /// What the delivery reports said; written on the producer's event thread.
    private final class Reports: Sendable {
        let failures = Mutex<[String]>([])
        let delivered = Atomic<Int>(0)
    }

    init(bootstrap: String, topic: String = "interactions", logger: Logger) throws {
        self.topic = topic
        let reports = Reports()
        self.reports = reports
        producer = try KafkaProducer(
            configuration: KafkaConfiguration([
                "bootstrap.servers": bootstrap, "linger.ms": "5", "message.timeout.ms": "0",
                "queue.buffering.max.messages": "1000000", "enable.idempotence": "true", "acks": "all",
            ]),
            logger: logger,
            deliveryReports: { batch in
                for report in batch {
                    if let error = report.error {
                        reports.failures.withLock { $0.append("\(error)") }
                    } else {
                        reports.delivered.add(1, ordering: .relaxed)
                    }
                }
            })
    }

    /// Events acknowledged by the broker so far.
    var deliveredCount: Int { reports.delivered.load(ordering: .relaxed) }

    /// Enqueues `events` (no wait for acknowledgements).
    func send(_ events: ArraySlice<DurabilityWorkload.Event>) throws {
        for (index, event) in zip(events.indices, events) {
            try producer.send(
                topic: topic, partition: nil, key: Array(event.userId.utf8), value: Array(event.json.utf8),
                token: UInt64(index))
        }
    }

    /// Sends `events` in `chunks` equal parts, one every `interval`, then waits until all are acknowledged.
    func stream(_ events: ArraySlice<DurabilityWorkload.Event>, chunks: Int, every interval: Duration) async throws {
        let size = (events.count + chunks - 1) / chunks
        var start = events.startIndex
        while start < events.endIndex {
            let end = min(events.endIndex, start + size)
            try send(events[start..<end])
            start = end
            if start < events.endIndex { try await Task.sleep(for: interval) }
        }
        try await finish()
    }

    /// Waits until every enqueued event is acknowledged; throws on any delivery failure.
    func finish(timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while producer.outstanding > 0 {
            guard ContinuousClock.now < deadline else { throw TestTimeout(what: "input deliveries") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let errors = reports.failures.withLock { $0 }
        guard errors.isEmpty else { throw DeliveryFailed(errors: errors) }
    }

    func close() { producer.close(timeout: .seconds(2)) }

    struct DeliveryFailed: Error, CustomStringConvertible {
        var errors: [String]
        var description: String { "\(errors.count) input deliveries failed, first: \(errors.prefix(3))" }
    }
}
