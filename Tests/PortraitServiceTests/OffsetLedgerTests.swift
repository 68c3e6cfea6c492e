import Synchronization
import Testing

@testable import PortraitService

/// The offset ledger decides what may be committed: it must never pass a batch with an outstanding part.
@Suite struct OffsetLedgerTests {
    @Test func offsetsCommitOnlyWhenEveryPartOfEveryEarlierBatchIsDone() {
        let ledger = OffsetLedger()
        ledger.assign([0, 1])
        let first = ledger.open([(0, 9), (1, 4)])
        ledger.add(first, parts: 2)
        ledger.release(first)
        let second = ledger.open([(0, 19)])
        ledger.add(second, parts: 1)
        ledger.release(second)
        #expect(ledger.committable().isEmpty)

        ledger.complete(second)  // a later batch completing first must not move the offset
        #expect(ledger.committable()[0] == nil)
        ledger.complete(first)
        #expect(ledger.committable()[0] == nil, "one part of the first batch is still outstanding")
        ledger.complete(first)
        #expect(ledger.committable() == [0: 20, 1: 5])
        #expect(ledger.isDrained())
        #expect(ledger.openBatches == 0)
    }

    /// A shard can apply its part, emit and have the round acknowledged before the ingest thread has counted
    /// the batch's parts: that early completion must not complete the batch while another part is pending
    /// (its offsets would be committed before the other shard applied its events).
    @Test func aPartCompletingBeforeThePartsAreCountedDoesNotCompleteTheBatch() {
        let ledger = OffsetLedger()
        ledger.assign([0])
        let token = ledger.open([(0, 9)])
        ledger.complete(token)  // shard 1's part: applied, emitted and acknowledged already
        #expect(ledger.committable().isEmpty)
        ledger.add(token, parts: 2)
        #expect(ledger.committable().isEmpty)
        ledger.release(token)
        #expect(ledger.committable().isEmpty, "shard 2's part is still outstanding")
        #expect(!ledger.isDrained([0]))
        ledger.complete(token)
        #expect(ledger.committable() == [0: 10])
        #expect(ledger.openBatches == 0)
    }

    @Test func aBatchWithNoPartsCompletesOnRelease() {
        let completed = Counter()
        let ledger = OffsetLedger { _ in completed.increment() }
        ledger.assign([3])
        let token = ledger.open([(3, 41)])
        #expect(!ledger.isDrained([3]))
        ledger.release(token)
        #expect(ledger.committable() == [3: 42])
        #expect(completed.value == 1)
    }

    @Test func aCompletedBatchHandsOverEveryRecordTimestamp() {
        let seen = Mutex<[[Int64]]>([])
        let ledger = OffsetLedger { timestamps in
            var expanded: [Int64] = []
            timestamps.forEachRun { milliseconds, count in expanded += repeatElement(milliseconds, count: count) }
            seen.withLock { $0.append(expanded) }
        }
        ledger.assign([0, 1])
        var stamps = RecordTimestamps()
        for milliseconds: Int64 in [7, 7, 7, 9, 3, 3, 9] { stamps.append(milliseconds) }
        let first = ledger.open([(0, 4), (1, 2)], timestamps: stamps)
        let second = ledger.open([(0, 5)])
        ledger.add(first, parts: 1)
        ledger.add(second, parts: 1)
        ledger.release(first)
        ledger.release(second)
        ledger.complete(tokens: [first, second])
        #expect(seen.withLock { $0 } == [[7, 7, 7, 9, 3, 3, 9], []])
    }

    @Test func revokedPartitionsAreForgottenAndLateCompletionsAreHarmless() {
        let ledger = OffsetLedger()
        ledger.assign([0, 1])
        let token = ledger.open([(0, 5), (1, 7)])
        ledger.add(token, parts: 1)
        ledger.release(token)
        ledger.revoke([1])
        #expect(ledger.isDrained([1]))
        #expect(!ledger.isDrained([0]))
        ledger.complete(token)
        #expect(ledger.committable() == [0: 6])
    }
}

private final class Counter: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .relaxed) }
    func increment() { count.add(1, ordering: .relaxed) }

    /// The ingest thread is told of every completed batch (it then stores offsets at once), and only held weakly.
    @Test func progressObserverHearsOfEveryCompletionAndIsHeldWeakly() {
        let ledger = OffsetLedger()
        ledger.assign([0])
        var observer: CountingObserver? = CountingObserver()
        ledger.observeProgress(observer!)
        for offset in 0..<1_000 {
            let token = ledger.open([(0, Int64(offset))])
            ledger.add(token, parts: 1)
            ledger.release(token)
            ledger.complete(token)
        }
        let heard = observer!.count.load(ordering: .relaxed)
        #expect(heard == 1_000)
        #expect(ledger.committable()[0] == 1_000)
        weak let released = observer
        observer = nil
        #expect(released == nil)
        let token = ledger.open([(0, 1_000)])
        ledger.release(token)  // completes with no observer left: nothing to call, nothing breaks
        #expect(ledger.committable()[0] == 1_001)
    }
}

private final class CountingObserver: LedgerProgressObserver {
    let count = Atomic<Int>(0)
    func ledgerProgressed() { count.add(1, ordering: .relaxed) }
}
