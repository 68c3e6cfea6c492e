import PropertyBased
import Testing

@testable import PortraitCore

@Suite struct OffsetTrackerTests {
    @Test func committableIsHighestContiguousCompletedPlusOne() {
        var tracker = OffsetTracker()
        #expect(tracker.committable == nil)
        tracker.register(10...14)
        tracker.complete(11)
        #expect(tracker.committable == nil)
        tracker.complete(10)
        #expect(tracker.committable == 12)
        tracker.complete(14)
        #expect(tracker.committable == 12)
        tracker.complete(12)
        tracker.complete(12)
        tracker.complete(99)
        #expect(tracker.committable == 13)
        tracker.complete(13)
        #expect(tracker.committable == 15)
        #expect(tracker.inFlight == 0)
    }

    @Test func gapsInOffsetsAreAllowed() {
        var tracker = OffsetTracker()
        for offset: Int64 in [3, 7, 8, 20] { tracker.register(offset) }
        tracker.complete([8, 3])
        #expect(tracker.committable == 4)
        tracker.complete(7)
        #expect(tracker.committable == 9)
        tracker.complete(20)
        #expect(tracker.committable == 21)
    }

    @Test func anyCompletionOrderEndsAtLastPlusOne() async {
        await propertyCheck(count: 50, input: Gen.shuffled(Array(Int64(0)..<3_000))) { order in
            var tracker = OffsetTracker()
            tracker.register(0...2_999)
            var completed = Set<Int64>()
            for offset in order {
                tracker.complete(offset)
                completed.insert(offset)
                var contiguous: Int64 = 0
                while completed.contains(contiguous) { contiguous += 1 }
                if offset % 97 == 0 { #expect(tracker.committable == (contiguous == 0 ? nil : contiguous)) }
            }
            #expect(tracker.committable == 3_000)
            #expect(tracker.inFlight == 0)
        }
    }
}
