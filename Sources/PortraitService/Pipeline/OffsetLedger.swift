import PortraitCore
import Synchronization

/// Knows, per input partition, up to which offset everything consumed is fully processed.
///
/// An input batch (one poll's worth of records) is *open* while any of its parts is outstanding: an engine
/// part (applied and covered by an emission round whose records are all acknowledged) or a dead letter
/// (acknowledged). Only when its last part completes do its offsets count as processed; the committable
/// offset of a partition is then the end of the longest processed prefix (``OffsetTracker``). This is what
/// makes "nothing lost" hold: an offset never passes a record whose effects are not durable.
///
/// - Important: Register a batch (``open(_:timestamps:)``) before handing any of its parts to another thread, and
///   ``release(_:)`` it after the last part was handed over and counted (``add(_:parts:)``): until then the
///   batch cannot complete. A part may complete before it is counted (a shard can apply, emit and have its
///   round acknowledged while the ingest thread is still handing over the next part), so the count may dip
///   below zero while the batch is held.
///
/// Thread safety: all state sits behind one `Mutex`; the ingest thread, shard queues and the producer's
/// delivery-report thread call in concurrently.
final class OffsetLedger: Sendable {
    private struct Batch {
        /// Parts counted in minus parts completed (negative while completions overtake the counting).
        var remaining: Int
        /// Parts may still be added: set by ``open(_:timestamps:)``, cleared by ``release(_:)``.
        var held = true
        var ends: [(partition: Int32, offset: Int64)]
        /// Broker timestamps of the batch's records, for the end-to-end latency histogram.
        var timestamps: RecordTimestamps
    }

    private struct State {
        var trackers: [Int32: OffsetTracker] = [:]
        var batches: [UInt64: Batch] = [:]
        var nextToken: UInt64 = 1

        /// Takes `count` parts off a batch; returns the batch when that was its last part (its offsets are then
        /// processed).
        mutating func complete(_ token: UInt64, parts count: Int) -> Batch? {
            guard let index = batches.index(forKey: token) else { return nil }
            batches.values[index].remaining -= count
            return finishIfDone(index)
        }

        /// Ends the hold taken by `open`; returns the batch when every counted part is already done.
        mutating func release(_ token: UInt64) -> Batch? {
            guard let index = batches.index(forKey: token) else { return nil }
            batches.values[index].held = false
            return finishIfDone(index)
        }

        private mutating func finishIfDone(_ index: Dictionary<UInt64, Batch>.Index) -> Batch? {
            guard !batches.values[index].held, batches.values[index].remaining <= 0 else { return nil }
            let batch = batches.remove(at: index).value
            for end in batch.ends { trackers[end.partition]?.complete(end.offset) }
            return batch
        }
    }

    private let state = Mutex(State())
    /// Bumped whenever a batch completes, so that a poller can skip ``committable()`` when nothing moved.
    private let completions = Atomic<UInt64>(0)
    /// Called (outside the lock) with the record timestamps of each batch that completes.
    private let onBatchCompleted: @Sendable (_ timestamps: RecordTimestamps) -> Void

    /// Told (outside the lock) after any batch completed: ``committable()`` may have moved. An object, not a
    /// closure: a closure stored in a `Mutex` and read through its generic `withLock { $0 }` for every completion
    /// ran through reabstraction thunks whose cost grew with every call (in `bench latency` the delivery-report
    /// thread's samples in thunks rose from 8 to 81 a second within 14 s, two thirds of that thread).
    private let progressObserver = Mutex(WeakProgressObserver())

    init(onBatchCompleted: @escaping @Sendable (_ timestamps: RecordTimestamps) -> Void = { _ in }) {
        self.onBatchCompleted = onBatchCompleted
    }

    /// Sets who to tell whenever a batch completes (the ingest thread, which stores offsets between polls); held
    /// weakly.
    func observeProgress(_ observer: any LedgerProgressObserver) {
        progressObserver.withLock { $0.observer = observer }
    }

    private func notifyProgress() {
        progressObserver.withLock { $0.observer }?.ledgerProgressed()
    }

    /// Starts tracking `partitions` (after an assignment).
    func assign(_ partitions: [Int32]) {
        state.withLock { state in
            for partition in partitions where state.trackers[partition] == nil {
                state.trackers[partition] = OffsetTracker()
            }
        }
    }

    /// Stops tracking `partitions` (after a revocation); their open batches complete into nothing.
    func revoke(_ partitions: [Int32]) {
        state.withLock { state in
            for partition in partitions { state.trackers[partition] = nil }
        }
    }

    /// Opens a batch whose highest offset per partition is `ends`, held (it cannot complete) until ``release(_:)``.
    func open(_ ends: [(partition: Int32, offset: Int64)], timestamps: RecordTimestamps = RecordTimestamps()) -> UInt64 {
        state.withLock { state in
            let token = state.nextToken
            state.nextToken &+= 1
            for end in ends { state.trackers[end.partition]?.register(end.offset) }
            state.batches[token] = Batch(remaining: 0, ends: ends, timestamps: timestamps)
            return token
        }
    }

    /// Adds `count` outstanding parts to an open batch.
    func add(_ token: UInt64, parts count: Int) {
        guard count > 0 else { return }
        state.withLock { $0.batches[token]?.remaining += count }
    }

    /// Ends the hold taken by ``open(_:timestamps:)``: every part is counted; the batch completes with
    /// its last part (now, if they are all done).
    func release(_ token: UInt64) {
        finished(state.withLock { $0.release(token) })
    }

    /// Completes `count` parts of a batch; the batch's offsets become processed with its last part.
    func complete(_ token: UInt64, parts count: Int = 1) {
        finished(state.withLock { $0.complete(token, parts: count) })
    }

    private func finished(_ batch: Batch?) {
        guard let batch else { return }
        completions.add(1, ordering: .releasing)
        onBatchCompleted(batch.timestamps)
        notifyProgress()
    }

    /// Completes one part of each of many batches under one lock round trip (an emission round's tokens).
    func complete(tokens: [UInt64]) {
        switch tokens.count {
        case 0: return
        case 1: return complete(tokens[0])
        default: break
        }
        var completed: [RecordTimestamps] = []
        state.withLock { state in
            for token in tokens {
                if let batch = state.complete(token, parts: 1) { completed.append(batch.timestamps) }
            }
        }
        guard !completed.isEmpty else { return }
        completions.add(1, ordering: .releasing)
        for timestamps in completed { onBatchCompleted(timestamps) }
        notifyProgress()
    }

    /// Changes whenever some batch completed (and so ``committable()`` may have moved); compare for equality.
    var progress: UInt64 { completions.load(ordering: .acquiring) }

    /// The next offset to commit per partition (Kafka's "next offset to read"), for partitions with progress.
    func committable() -> [Int32: Int64] {
        state.withLock { state in
            var result: [Int32: Int64] = [:]
            for (partition, tracker) in state.trackers {
                if let next = tracker.committable { result[partition] = next }
            }
            return result
        }
    }

    /// Whether every registered offset of `partitions` (all when `nil`) is processed.
    func isDrained(_ partitions: Set<Int32>? = nil) -> Bool {
        state.withLock { state in
            state.trackers.allSatisfy { partition, tracker in
                (partitions.map { $0.contains(partition) } ?? true) ? tracker.inFlight == 0 : true
            }
        }
    }

    /// Open batches, for the status line and tests.
    var openBatches: Int { state.withLock { $0.batches.count } }
}

/// Wants to know when the ledger's committable offsets may have moved (called on the thread that completed a batch).
protocol LedgerProgressObserver: AnyObject, Sendable {
    func ledgerProgressed()
}

private struct WeakProgressObserver {
    weak var observer: (any LedgerProgressObserver)?
}
