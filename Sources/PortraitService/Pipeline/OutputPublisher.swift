import CoreMetrics
import Logging
import PortraitCore
import PortraitKafka
import Synchronization

/// Publishes the engine's emission rounds and the dead letters, and turns delivery reports into progress.
///
/// Every profile record goes to the profiles partition with the number of the input partition it came from
/// (CONTRACT §1); recommendations are keyed by user. A round is complete when every one of its records is
/// acknowledged (`acks=all`); only then do the input batches it covers count as processed in the
/// ``OffsetLedger``. A dead letter completes one part of its batch when acknowledged.
///
/// Delivery never fails for transient reasons: the producer runs with `message.timeout.ms=0` (retry until
/// the broker is back, with back-pressure pausing input meanwhile). A delivery report with an error is
/// therefore permanent (authorisation, unknown topic or partition, record too large, fenced producer) and
/// stops the daemon with exit 1 — the offsets of the affected input were never stored, so a restart
/// replays it.
///
/// Thread safety: ``emit(_:)`` runs on shard queues, ``deliver(_:)`` on the producer's event thread,
/// ``sendDeadLetter`` on the ingest thread; shared state is the round table behind a `Mutex`, the
/// thread-safe ledger, metrics and producer.
final class OutputPublisher: EmissionSink, Sendable {
    /// Kinds of delivery token, in the top two bits.
    private enum Kind: UInt64 {
        case round = 0
        case deadLetter = 1
        /// A dead letter of the item catalog: no input offset waits for it.
        case untracked = 2
    }

    private let topics: PortraitConfiguration.Topics
    private let ledger: OffsetLedger
    private let metrics: PortraitMetrics
    private let stop: StopSignal
    private let logger: Logger
    private let rounds = Mutex(EmissionRoundTable())
    private let output = Mutex<Output?>(nil)
    /// The engine's high/low-water state, which the ingest thread reads and waits on.
    let backpressure = EngineBackpressure()

    init(
        topics: PortraitConfiguration.Topics,
        ledger: OffsetLedger,
        metrics: PortraitMetrics,
        stop: StopSignal,
        logger: Logger
    ) {
        self.topics = topics
        self.ledger = ledger
        self.metrics = metrics
        self.stop = stop
        self.logger = logger
    }

    /// The producer and its handles on the three output topics, resolved once: sending through a handle skips
    /// librdkafka's topic lookup (a locked dictionary probe and string hash) on every record.
    private struct Output: Sendable {
        var producer: KafkaProducer
        var profiles: KafkaTopicHandle
        var recommendations: KafkaTopicHandle
        var deadLetters: KafkaTopicHandle
    }

    /// Connects the producer whose delivery reports call ``deliver(_:)``.
    func attach(_ producer: KafkaProducer) throws(KafkaError) {
        let resolved = Output(
            producer: producer, profiles: try producer.topic(topics.profiles),
            recommendations: try producer.topic(topics.recommendations), deadLetters: try producer.topic(topics.deadLetters))
        output.withLock { $0 = resolved }
    }

    private var attached: Output {
        output.withLock { $0! }
    }

    /// Rounds whose records are not all acknowledged yet.
    var openRounds: Int { rounds.withLock { $0.count } }

    // MARK: EmissionSink (shard queues)

    func emit(_ round: EmissionRound) {
        let (id, released) = rounds.withLock { table in
            table.add(shard: round.shard, records: round.emissions.count * 2, tokens: round.tokens, continues: round.continues)
        }
        if let released {
            ledger.complete(tokens: released)
            return
        }
        let token = (Kind.round.rawValue << 62) | id
        let output = attached
        for emission in round.emissions {
            let partition = KafkaPartition(rawValue: emission.partition)
            // The profile record is also the changelog entry: its header carries the user's full state.
            let changelog = emission.state.isEmpty ? [] : [KafkaHeader(key: ChangelogReader.stateHeader, value: emission.state)]
            send(output.producer, topic: output.profiles, partition: partition, key: emission.userId,
                 value: emission.profile, headers: changelog, token: token)
            send(output.producer, topic: output.recommendations, partition: nil, key: emission.userId,
                 value: emission.recommendations, headers: [], token: token)
        }
    }

    func backpressureChanged(overHighWater: Bool) {
        backpressure.set(overHighWater: overHighWater)
    }

    func evicted(userId: String, partition: Int32, state: [UInt8]) {
        metrics.profilesEvicted.increment()
    }

    // MARK: Dead letters (ingest thread)

    /// Produces a rejected record with its original key and value and the contract's headers (CONTRACT §6),
    /// as one more part of input batch `batch` (`nil` for catalog records, which no offset waits for).
    func sendDeadLetter(
        key: UnsafeRawBufferPointer?,
        value: UnsafeRawBufferPointer?,
        reason: RejectReason,
        source: String,
        batch: UInt64?
    ) {
        let token: UInt64
        if let batch {
            ledger.add(batch, parts: 1)
            token = (Kind.deadLetter.rawValue << 62) | batch
        } else {
            token = Kind.untracked.rawValue << 62
        }
        let headers = [KafkaHeader(key: "portrait.error", string: reason.code), KafkaHeader(key: "portrait.source", string: source)]
        let output = attached
        while true {
            do {
                try output.producer.send(
                    topic: output.deadLetters, partition: nil, keyBytes: key, valueBytes: value, headers: headers,
                    token: token)
                return
            } catch where error.code == .queueFull && stop.fatalError == nil {
                waitForQueueSpace()
            } catch {
                fail(error, while: "producing a dead letter")
                return
            }
        }
    }

    // MARK: Delivery reports (producer event thread)

    func deliver(_ reports: [KafkaDeliveryReport]) {
        var roundAcks: [UInt64: Int] = [:]
        var profiles = 0
        var recommendations = 0
        var deadLetters = 0
        for report in reports {
            if let error = report.error {
                metrics.produceError(topic: outputTopic(report.topic), error: error.name)
                fail(error, while: "delivering to \(report.topic)/\(report.partition.rawValue)")
                continue
            }
            let id = report.token & ((1 << 62) - 1)
            switch Kind(rawValue: report.token >> 62) {
            case .round:
                roundAcks[id, default: 0] += 1
                if report.topic == topics.profiles { profiles += 1 } else { recommendations += 1 }
            case .deadLetter:
                deadLetters += 1
                ledger.complete(id)
            case .untracked:
                deadLetters += 1
            case nil:
                logger.error("delivery report with an unknown token \(report.token)")
            }
        }
        if profiles > 0 { metrics.published(.profiles, count: profiles) }
        if recommendations > 0 { metrics.published(.recommendations, count: recommendations) }
        if deadLetters > 0 { metrics.published(.dlq, count: deadLetters) }
        guard !roundAcks.isEmpty else { return }
        let completed: [[UInt64]] = rounds.withLock { table in
            roundAcks.compactMap { id, acks in table.acknowledge(id, count: acks) }
        }
        for tokens in completed { ledger.complete(tokens: tokens) }
    }

    // MARK: Helpers

    private func send(
        _ producer: KafkaProducer,
        topic: KafkaTopicHandle,
        partition: KafkaPartition?,
        key: String,
        value: ArraySlice<UInt8>,
        headers: [KafkaHeader],
        token: UInt64
    ) {
        var key = key
        key.withUTF8 { keyBytes in
            value.withUnsafeBytes { valueBytes in
                while true {
                    do {
                        try producer.send(
                            topic: topic, partition: partition, keyBytes: UnsafeRawBufferPointer(keyBytes),
                            valueBytes: valueBytes, headers: headers, token: token
                        )
                        return
                    } catch let error as KafkaError where error.code == .queueFull && stop.fatalError == nil {
                        waitForQueueSpace()
                    } catch {
                        fail(error, while: "producing to \(topic.name)")
                        return
                    }
                }
            }
        }
    }

    /// The producer queue is full: the delivery-report thread frees space as the broker acknowledges.
    /// Waiting here (on a shard queue or the ingest thread) is the back-pressure.
    private func waitForQueueSpace() {
        metrics.produceRetries.increment()
        attached.producer.waitForQueueSpace(timeout: .milliseconds(100))
    }

    private func outputTopic(_ topic: String) -> PortraitMetrics.OutputTopic {
        switch topic {
        case topics.profiles: .profiles
        case topics.recommendations: .recommendations
        default: .dlq
        }
    }

    private func fail(_ error: any Error, while activity: String) {
        logger.critical("fatal produce error while \(activity): \(error)")
        stop.raise(.fatal(error))
    }
}
