import Foundation
import Logging
import PortraitKafka
import Synchronization

/// The floor under `bench latency`: the same two hops with nothing in between.
///
/// A consumer in a group (the daemon's consumer settings: `fetch.wait.max.ms`, 1 ms gathering) hands every
/// polled record to a producer (the daemon's producer settings: idempotent, `acks=all`, Nagle off, the given
/// linger) that copies it to another topic. A poll batch is done when all its copies are acknowledged; each of
/// its records then counts from its input broker timestamp: what portraitd's histogram measures, minus the engine.
final class RelayLatencyProbe: @unchecked Sendable {
    private let consumer: KafkaConsumer
    private var producer: KafkaProducer!
    private let batches = Mutex((next: UInt64(0), open: [UInt64: (remaining: Int, timestamps: [Int64])](), samples: [Double](), recording: false))
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(bootstrap: String, topic: String, lingerMs: Int, logger: Logger) throws {
        consumer = try KafkaConsumer(
            configuration: KafkaConfiguration([
                "bootstrap.servers": bootstrap, "group.id": "relay-probe", "fetch.wait.max.ms": "1",
                "auto.offset.reset": "latest",
            ]),
            logger: logger)
        producer = try KafkaProducer(
            configuration: KafkaConfiguration([
                "bootstrap.servers": bootstrap, "linger.ms": String(lingerMs), "socket.nagle.disable": "true",
            ]),
            logger: logger
        ) { [unowned self] reports in self.delivered(reports) }
        try consumer.subscribe(topics: [topic])
    }

    /// Starts the relay thread; returns once the group assigned it partitions.
    func start(topic: String) throws {
        let assigned = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            defer { finished.signal() }
            var signalled = false
            while !stopping.load(ordering: .relaxed) {
                var timestamps: [Int64] = []
                var records: [(key: [UInt8]?, value: [UInt8]?, partition: Int32)] = []
                _ = try? consumer.poll(maxMessages: 2_048, timeout: .milliseconds(100), gather: .milliseconds(1)) { message in
                    if let timestamp = message.timestamp { timestamps.append(timestamp) }
                    records.append((message.key.map { Array($0) }, message.value.map { Array($0) }, message.partition.rawValue))
                }
                if !signalled, (try? consumer.assignment().isEmpty) == false {
                    signalled = true
                    assigned.signal()
                }
                guard !records.isEmpty else { continue }
                let batch = batches.withLock { state in
                    let id = state.next
                    state.next += 1
                    state.open[id] = (records.count, timestamps)
                    return id
                }
                for record in records {
                    try? producer.send(
                        topic: topic + ".relay", partition: KafkaPartition(rawValue: record.partition), key: record.key,
                        value: record.value, token: batch)
                }
            }
        }
        thread.name = "relay-probe"
        thread.start()
        guard assigned.wait(timeout: .now() + 30) == .success else { throw BenchError("relay probe got no partitions") }
    }

    private func delivered(_ reports: [KafkaDeliveryReport]) {
        let nowMs = Int64(Date().timeIntervalSince1970 * 1_000)
        batches.withLock { state in
            for report in reports {
                guard var batch = state.open[report.token] else { continue }
                batch.remaining -= 1
                if batch.remaining == 0 {
                    state.open[report.token] = nil
                    if state.recording {
                        for timestamp in batch.timestamps { state.samples.append(Double(nowMs - timestamp) / 1_000) }
                    }
                } else {
                    state.open[report.token] = batch
                }
            }
        }
    }

    /// Starts keeping record latencies (call at the end of the warm-up).
    func beginRecording() { batches.withLock { $0.recording = true } }

    /// Stops relaying and returns the recorded record latencies in seconds.
    func stop() -> [Double] {
        stopping.store(true, ordering: .relaxed)
        finished.wait()
        try? producer.flush(timeout: .seconds(10))
        producer.close(timeout: .seconds(1))
        try? consumer.close()
        return batches.withLock { $0.samples }
    }
}
