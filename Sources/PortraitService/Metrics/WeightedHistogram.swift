import Synchronization

/// A Prometheus histogram that records a value with a count in one step, exposed in the text format.
///
/// `portrait_end_to_end_latency_seconds` observes every input record, and the records of an input batch complete
/// together, most of them sharing a broker timestamp (millisecond resolution). swift-prometheus' histogram takes
/// its lock and walks its buckets once per observation, reached through swift-metrics' generic `Recorder` (~100 ns
/// each): at the end of `bench e2e` a million observations held the delivery-report thread — and with it the
/// last acknowledgements and the commit — for ~0.1 s. Here a run of equal timestamps costs one lock and one
/// bucket search. The exposition is the one swift-prometheus writes for a histogram (cumulative `_bucket` lines
/// with `le`, `+Inf`, `_sum`, `_count`); a test compares the two.
///
/// Thread safety: all members may be called from any thread.
final class WeightedHistogram: Sendable {
    let name: String
    /// Upper bounds, ascending.
    let bounds: [Double]

    private struct State {
        /// Observations per bucket (not cumulative); the last entry counts those above every bound.
        var counts: [Int]
        var sum: Double = 0
    }

    private let state: Mutex<State>

    init(name: String, bounds: [Double]) {
        self.name = name
        self.bounds = bounds.sorted()
        self.state = Mutex(State(counts: Array(repeating: 0, count: bounds.count + 1)))
    }

    /// Records `count` observations of `value`.
    func record(_ value: Double, count: Int = 1) {
        guard count > 0 else { return }
        // The first bound not below `value` (Prometheus' `le`), or the overflow entry.
        var low = 0
        var high = bounds.count
        while low < high {
            let middle = (low + high) / 2
            if bounds[middle] < value { low = middle + 1 } else { high = middle }
        }
        state.withLock { state in
            state.counts[low] += count
            state.sum += value * Double(count)
        }
    }

    /// Appends the `# TYPE` line and the samples in the Prometheus text format.
    func emit(into buffer: inout [UInt8]) {
        let (counts, sum) = state.withLock { ($0.counts, $0.sum) }
        buffer.append(contentsOf: "# TYPE \(name) histogram\n".utf8)
        var cumulative = 0
        for (index, bound) in bounds.enumerated() {
            cumulative += counts[index]
            buffer.append(contentsOf: "\(name)_bucket{le=\"\(bound.description)\"} \(cumulative)\n".utf8)
        }
        cumulative += counts[bounds.count]
        buffer.append(contentsOf: "\(name)_bucket{le=\"+Inf\"} \(cumulative)\n".utf8)
        buffer.append(contentsOf: "\(name)_sum \(sum.description)\n".utf8)
        buffer.append(contentsOf: "\(name)_count \(cumulative)\n".utf8)
    }
}
