import CoreMetrics
import Metrics
import PortraitCore
import class Prometheus.PrometheusCollectorRegistry
import struct Prometheus.PrometheusMetricsFactory
import Synchronization

/// Every metric `portraitd` exports, created once with fixed label sets (CONTRACT §8 names and more).
///
/// Metric handles are created up front (per event type, per output topic, per shard) so the per-event
/// path only increments. Labels whose values are only known at run time (reject reasons, partitions) are
/// created on first use under a lock and cached; their value sets are bounded (reason codes name fields of
/// the schema; partitions of the input topic).
///
/// Thread safety: the fixed handles are immutable after `init`; swift-metrics handles are thread-safe.
/// The caches are guarded by `Mutex`.
public final class PortraitMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    let consumed: [Counter]  // by EventType.rawValue
    public let profilesActive: Gauge
    let published: [OutputTopic: Counter]
    /// Seconds; it observes every input record, a run of equal broker timestamps at once (see `WeightedHistogram`).
    let endToEndLatency: WeightedHistogram
    public let rebalances: Counter
    public let stateRestore: Metrics.Timer
    public let commitLatency: Metrics.Timer
    public let commits: Counter
    public let commitErrors: Counter
    public let batchSize: Recorder
    public let produceRetries: Counter
    public let duplicatesSkipped: Counter
    public let profilesEvicted: Counter
    public let catalogItems: Gauge
    public let ready: Gauge
    public let partitionsAssigned: Gauge
    public let pausedForBackpressure: Gauge
    /// Time the ingest thread waited for the shards to drain below low water before polling again.
    public let backpressureWait: FloatingPointCounter
    /// 1 while the input is catching up and emission rounds are spaced out (`catchup_lag`).
    public let catchingUp: Gauge
    public let producerQueue: Gauge
    public let snapshotsWritten: Counter
    public let snapshotsRejected: Counter
    public let snapshotErrors: Counter
    public let profilesRestored: Counter
    public let restoringPartitions: Gauge

    private let rejected = Mutex<[String: Counter]>([:])
    private let produceErrors = Mutex<[String: Counter]>([:])
    private let lag = Mutex<[Int32: Gauge]>([:])
    private let shardDepth: [Gauge]
    private let shardCPU: [FloatingPointCounter]
    /// Per shard, the busy CPU seconds already added to `shardCPU` (the engine reports running totals).
    private let shardCPUReported: Mutex<[Double]>

    public enum OutputTopic: String, Sendable, CaseIterable {
        case profiles, recommendations, dlq
    }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), shards: Int) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        let fast: [Duration] = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2_500), .seconds(5), .seconds(10), .seconds(30),
        ]
        let latencyMilliseconds: [Double] = [0.5, 1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12.5, 15, 20, 25, 30, 40, 50, 75, 100, 250,
            500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000]
        factory.durationHistogramBuckets = [
            "portrait_commit_latency_seconds": fast,
            "portrait_state_restore_seconds": [
                .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10),
                .seconds(30), .seconds(60), .seconds(120), .seconds(300),
            ],
        ]
        factory.valueHistogramBuckets = [
            "portrait_batch_size": [1, 10, 100, 500, 1_000, 2_000, 5_000, 10_000],
        ]
        self.factory = factory

        consumed = EventType.allCases.map {
            Counter(label: "portrait_events_consumed_total", dimensions: [("type", $0.name)], factory: factory)
        }
        profilesActive = Gauge(label: "portrait_profiles_active", factory: factory)
        published = Dictionary(uniqueKeysWithValues: OutputTopic.allCases.map {
            ($0, Counter(label: "portrait_outputs_published_total", dimensions: [("topic", $0.rawValue)], factory: factory))
        })
        endToEndLatency = WeightedHistogram(
            name: "portrait_end_to_end_latency_seconds", bounds: latencyMilliseconds.map { $0 / 1_000 })
        rebalances = Counter(label: "portrait_rebalances_total", factory: factory)
        stateRestore = Metrics.Timer(label: "portrait_state_restore_seconds", factory: factory)
        commitLatency = Metrics.Timer(label: "portrait_commit_latency_seconds", factory: factory)
        commits = Counter(label: "portrait_commits_total", factory: factory)
        commitErrors = Counter(label: "portrait_commit_errors_total", factory: factory)
        batchSize = Recorder(label: "portrait_batch_size", factory: factory)
        produceRetries = Counter(label: "portrait_produce_retries_total", factory: factory)
        duplicatesSkipped = Counter(label: "portrait_events_duplicate_total", factory: factory)
        profilesEvicted = Counter(label: "portrait_profiles_evicted_total", factory: factory)
        catalogItems = Gauge(label: "portrait_catalog_items", factory: factory)
        ready = Gauge(label: "portrait_ready", factory: factory)
        partitionsAssigned = Gauge(label: "portrait_partitions_assigned", factory: factory)
        pausedForBackpressure = Gauge(label: "portrait_backpressure_paused", factory: factory)
        backpressureWait = FloatingPointCounter(label: "portrait_backpressure_wait_seconds_total", factory: factory)
        catchingUp = Gauge(label: "portrait_catching_up", factory: factory)
        producerQueue = Gauge(label: "portrait_producer_queue_messages", factory: factory)
        snapshotsWritten = Counter(label: "portrait_snapshots_written_total", factory: factory)
        snapshotsRejected = Counter(label: "portrait_snapshots_rejected_total", factory: factory)
        snapshotErrors = Counter(label: "portrait_snapshot_errors_total", factory: factory)
        profilesRestored = Counter(label: "portrait_profiles_restored_total", factory: factory)
        restoringPartitions = Gauge(label: "portrait_restoring_partitions", factory: factory)
        shardDepth = (0..<shards).map {
            Gauge(label: "portrait_shard_queue_events", dimensions: [("shard", String($0))], factory: factory)
        }
        shardCPU = (0..<shards).map {
            FloatingPointCounter(label: "portrait_shard_cpu_seconds_total", dimensions: [("shard", String($0))], factory: factory)
        }
        shardCPUReported = Mutex([Double](repeating: 0, count: shards))
    }

    @inline(__always)
    public func consumed(_ type: EventType, count: Int = 1) {
        consumed[Int(type.rawValue)].increment(by: count)
    }

    /// Observes each record of a completed input batch in `portrait_end_to_end_latency_seconds`: from its broker
    /// timestamp to `nowMs`, when the batch's last output was acknowledged (so each record's figure is an upper
    /// bound on the delivery of its own outputs).
    func recordEndToEndLatency(of timestamps: RecordTimestamps, completedAt nowMs: Int64) {
        timestamps.forEachRun { milliseconds, count in
            let seconds = Double(max(0, nowMs - milliseconds)) / 1_000
            endToEndLatency.record(seconds, count: count)
        }
    }

    public func published(_ topic: OutputTopic, count: Int = 1) {
        published[topic]!.increment(by: count)
    }

    /// Counts a rejected record by its reason code (`portrait_events_rejected_total{reason}`).
    public func rejected(_ reason: RejectReason) {
        let code = reason.code
        let counter = rejected.withLock { cache in
            if let counter = cache[code] { return counter }
            let counter = Counter(label: "portrait_events_rejected_total", dimensions: [("reason", code)], factory: factory)
            cache[code] = counter
            return counter
        }
        counter.increment()
    }

    /// Counts a failed delivery by output topic and error name (`portrait_produce_errors_total{topic,error}`).
    public func produceError(topic: OutputTopic, error: String) {
        let key = topic.rawValue + "\u{0}" + error
        let counter = produceErrors.withLock { cache in
            if let counter = cache[key] { return counter }
            let counter = Counter(
                label: "portrait_produce_errors_total", dimensions: [("topic", topic.rawValue), ("error", error)],
                factory: factory
            )
            cache[key] = counter
            return counter
        }
        counter.increment()
    }

    /// Sets `portrait_consumer_lag{partition}`; `nil` removes the series (the partition was revoked).
    public func consumerLag(partition: Int32, _ value: Int64?) {
        lag.withLock { cache in
            if let value {
                let gauge = cache[partition] ?? {
                    let gauge = Gauge(label: "portrait_consumer_lag", dimensions: [("partition", String(partition))], factory: factory)
                    cache[partition] = gauge
                    return gauge
                }()
                gauge.record(value)
            } else if let gauge = cache.removeValue(forKey: partition) {
                gauge.record(0)
                gauge.destroy()
            }
        }
    }

    public func shardDepth(_ shard: Int, _ events: Int) {
        guard shard < shardDepth.count else { return }
        shardDepth[shard].record(events)
    }

    /// Brings `portrait_shard_cpu_seconds_total` up to a shard's running total of busy CPU seconds (applying and
    /// rendering): its rate is the shard's utilisation, and an uneven split shows which shard limits throughput.
    public func shardCPU(_ shard: Int, totalSeconds: Double) {
        guard shard < shardCPU.count else { return }
        let delta = shardCPUReported.withLock { reported -> Double in
            let delta = totalSeconds - reported[shard]
            if delta > 0 { reported[shard] = totalSeconds }
            return delta
        }
        if delta > 0 { shardCPU[shard].increment(by: delta) }
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> [UInt8] {
        var buffer = registry.emitToBuffer()
        endToEndLatency.emit(into: &buffer)
        return buffer
    }
}
