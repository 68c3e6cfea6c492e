import Foundation

/// Whether the engine is over its high-water mark, with a wait for it to drain below the low-water mark.
///
/// The shards report each transition (through ``OutputPublisher/backpressureChanged(overHighWater:)``, under the
/// gate's lock); the ingest thread reads the state before every poll and, while the engine is over, waits here
/// rather than pausing its partitions. A librdkafka pause is not free: it raises the partition's version barrier,
/// so every record already fetched for it and waiting in the local queue is discarded and fetched again after the
/// resume (as is everything after the position Portrait's consumer seeks to on resume). In `bench e2e` the shards
/// crossed high water about once per run; the pause threw away what librdkafka had prefetched and the machine
/// idled ~0.3 s until the refetch arrived. Draining from high to low water takes the shards a fraction of a
/// second, so a short wait is the cheaper answer; pausing remains for back-pressure that lasts (see
/// ``InputConsumer``), where the thread must go on polling to serve rebalances.
///
/// Thread safety: all members may be called from any thread. Public for the benchmarks, which submit to an engine
/// the way the consumer does.
public final class EngineBackpressure: @unchecked Sendable {
    /// Guards `over`; signalled when it turns `false`.
    private let condition = NSCondition()
    private var over = false

    public init() {}

    public var isOver: Bool {
        condition.lock()
        defer { condition.unlock() }
        return over
    }

    public func set(overHighWater: Bool) {
        condition.lock()
        over = overHighWater
        if !overHighWater { condition.broadcast() }
        condition.unlock()
    }

    /// Blocks until the engine is below its low-water mark or `timeout` has passed; `true` when it is below.
    public func waitUntilUnder(timeout: Duration) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout.inSeconds)
        condition.lock()
        defer { condition.unlock() }
        while over {
            if !condition.wait(until: deadline) { return !over }
        }
        return true
    }
}
