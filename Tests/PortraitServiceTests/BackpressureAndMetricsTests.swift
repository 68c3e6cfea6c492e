import Dispatch
import Prometheus
import Testing

@testable import PortraitService

/// The ingest thread's wait on the engine's water marks, and the end-to-end latency histogram's exposition.
@Suite struct BackpressureAndMetricsTests {
    @Test func waitingEndsWhenTheEngineDropsBelowLowWater() {
        let backpressure = EngineBackpressure()
        #expect(backpressure.waitUntilUnder(timeout: .zero))  // not over: no wait at all
        backpressure.set(overHighWater: true)
        #expect(backpressure.isOver)
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(20)) {
            backpressure.set(overHighWater: false)
        }
        // Far longer than the 20 ms: only the signal can end this wait with `true` in time for the test to matter.
        let drained = backpressure.waitUntilUnder(timeout: .seconds(60))
        #expect(drained)
        #expect(!backpressure.isOver)
    }

    @Test func waitingGivesUpAfterTheTimeoutWhileStillOver() {
        let backpressure = EngineBackpressure()
        backpressure.set(overHighWater: true)
        let drained = backpressure.waitUntilUnder(timeout: .milliseconds(10))
        #expect(!drained)
        #expect(backpressure.isOver)
    }

    /// The same observations, recorded one by one into swift-prometheus' histogram and with counts into ours,
    /// give the same text: bucket edges (a value equal to a bound counts in it), overflow, sum and count.
    @Test func weightedHistogramWritesWhatSwiftPrometheusWrites() {
        let bounds = [0.0005, 0.001, 0.0025, 0.01, 0.1, 1, 10]
        let observations: [(value: Double, count: Int)] = [
            (0, 3), (0.0005, 2), (0.00051, 1), (0.001, 4), (0.05, 7), (0.1, 1), (2.5, 5), (10, 1), (11, 2), (1_000, 1),
        ]
        let registry = PrometheusCollectorRegistry()
        let reference = registry.makeValueHistogram(
            descriptor: MetricNameDescriptor(metricName: "latency", unitName: "seconds", helpText: ""), buckets: bounds)
        let histogram = WeightedHistogram(name: "latency_seconds", bounds: bounds)
        for (value, count) in observations {
            for _ in 0..<count { reference.record(value) }
            histogram.record(value, count: count)
        }
        histogram.record(1, count: 0)  // nothing
        var ours: [UInt8] = []
        histogram.emit(into: &ours)
        #expect(String(decoding: ours, as: UTF8.self) == String(decoding: registry.emitToBuffer(), as: UTF8.self))
        #expect(String(decoding: ours, as: UTF8.self).contains("latency_seconds_count 27\n"))
    }
}
