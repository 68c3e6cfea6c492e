import Synchronization

/// Counts in-flight events per shard and signals the sink when the engine crosses the water marks.
///
/// The engine is "over high water" while any shard is: a shard enters at ≥ high and leaves at
/// < low. Transitions are reported under the lock so the sink sees them in order.
final class BackpressureGate: Sendable {
    private struct State {
        var inFlight: [Int]
        var over: [Bool]
        var overCount = 0
    }

    private let state: Mutex<State>
    private let high: Int
    private let low: Int
    private let sink: any EmissionSink

    init(shards: Int, high: Int, low: Int, sink: any EmissionSink) {
        self.state = Mutex(State(inFlight: Array(repeating: 0, count: shards), over: Array(repeating: false, count: shards)))
        self.high = max(1, high)
        self.low = min(max(0, low), max(1, high))
        self.sink = sink
    }

    func submitted(_ count: Int, shard: Int) {
        state.withLock { state in
            state.inFlight[shard] += count
            if !state.over[shard], state.inFlight[shard] >= high {
                state.over[shard] = true
                state.overCount += 1
                if state.overCount == 1 { sink.backpressureChanged(overHighWater: true) }
            }
        }
    }

    func applied(_ count: Int, shard: Int) {
        state.withLock { state in
            state.inFlight[shard] -= count
            if state.over[shard], state.inFlight[shard] < low {
                state.over[shard] = false
                state.overCount -= 1
                if state.overCount == 0 { sink.backpressureChanged(overHighWater: false) }
            }
        }
    }

    var inFlight: [Int] { state.withLock { $0.inFlight } }
}
