import Testing

@testable import PortraitCore

/// The hand-written structures of the per-event path, checked against the obvious implementation.
@Suite struct HotPathStructureTests {
    @Test func stringIdMapAgreesWithDictionary() {
        var map = StringIdMap()
        var reference: [String: UInt32] = [:]
        var random = SplitMix64(seed: 7)
        // Short (inline) and long (heap) keys, inserts and overwrites across several growths; a small key
        // space so probe runs collide.
        for step in 0..<60_000 {
            let number = random.nextInt(below: 3_000)
            let key = number.isMultiple(of: 3) ? "user-with-a-long-identifier-\(number)" : "u\(number)"
            if random.nextInt(below: 2) == 0 {
                map.insert(key, UInt32(step))
                reference[key] = UInt32(step)
            } else {
                #expect(map[key] == reference[key])
            }
        }
        #expect(map.count == reference.count)
        for (key, value) in reference { #expect(map[key] == value) }
        #expect(map["never-inserted"] == nil)
        #expect(map[""] == nil)
    }

    @Test func itemSumsAgreeWithDictionaryAcrossGrowthAndShrinking() {
        var sums = ItemSums()
        var reference: [UInt32: Double] = [:]
        var random = SplitMix64(seed: 11)
        // Rounds of very different sizes: the table grows in a large one and shrinks at the small ones after it.
        for round in 0..<30 {
            let keySpace = round.isMultiple(of: 7) ? 20_000 : 50
            for _ in 0..<(round.isMultiple(of: 7) ? 40_000 : 200) {
                let key = UInt32(1 + random.nextInt(below: keySpace))
                let value = Double(random.nextInt(below: 1_000)) / 8
                sums.add(value, to: key)
                reference[key, default: 0] += value
            }
            #expect(sums.count == reference.count)
            var seen: [UInt32: Double] = [:]
            sums.forEach { key, value in seen[key] = value }
            #expect(seen == reference)
            sums.removeAll()
            reference.removeAll()
            #expect(sums.isEmpty)
            sums.forEach { _, _ in Issue.record("an emptied table still has entries") }
        }
    }

    @Test func profileStoreIndexAgreesWithDictionaryUnderChurn() {
        var store = ProfileStore()
        var reference: [String: Int32] = [:]
        var random = SplitMix64(seed: 9)
        for _ in 0..<40_000 {
            let number = random.nextInt(below: 2_000)
            let userId = number.isMultiple(of: 4) ? "a-user-id-longer-than-fifteen-bytes-\(number)" : "u\(number)"
            if random.nextInt(below: 3) == 0 {
                if let slot = reference.removeValue(forKey: userId) { store.remove(slot) }
                #expect(store.slot(of: userId) == nil)
            } else {
                let (slot, created) = store.slotCreating(userId)
                #expect(created == (reference[userId] == nil))
                if let known = reference[userId] { #expect(slot == known) }
                reference[userId] = slot
                #expect(store[slot].userId == userId)
            }
        }
        #expect(store.count == reference.count)
        #expect(Set(store.allSlots()) == Set(reference.values))
        for (userId, slot) in reference { #expect(store.slot(of: userId) == slot) }
    }

    @Test func lowerBoundMatchesLinearSearch() {
        var random = SplitMix64(seed: 3)
        // Up to eight unrolled steps, and the loop that halves larger (configured) caps first.
        for count in Array(0..<40) + [127, 128, 129, 255, 256, 257, 300, 513, 1_000] {
            let keys = (0..<count).map { _ in UInt32(random.nextInt(below: 100)) * 2 }.sorted()
            let scores = keys.map { Profile.ScoreEntry(key: $0, value: 1) }
            for probe in UInt32(0)..<202 {
                let expected = keys.firstIndex(where: { $0 >= probe }) ?? keys.count
                #expect(scores.withUnsafeBufferPointer { Profile.lowerBound(probe, in: $0) } == expected)
            }
        }
    }

    @Test func windowPartitionPointMatchesLinearSearch() {
        var random = SplitMix64(seed: 13)
        for count in Array(0..<40) + [255, 256, 257, 700, 1_464] {
            let windows = (0..<count).map { _ in UInt32(random.nextInt(below: 3)) }.sorted()
            let entries = windows.map { $0 << 30 | UInt32(random.nextInt(below: 1 << 30)) }
            for window in UInt32(0)..<3 {
                let bound = (window + 1) << 30
                let expected = entries.firstIndex(where: { $0 >= bound }) ?? count
                #expect(entries.withUnsafeBufferPointer { WindowCounts.partitionPoint($0, below: bound) } == expected)
            }
        }
    }

    @Test func lastIndexMatchesTheStandardLibrary() {
        var random = SplitMix64(seed: 5)
        for count in [0, 1, 7, 8, 9, 15, 16, 17, 100, 1_000] {
            let items = (0..<count).map { _ in UInt32(random.nextInt(below: 50)) }
            for probe in UInt32(0)..<52 {
                let found = items.withUnsafeBufferPointer { Profile.lastIndex(of: probe, in: $0) }
                #expect(found == items.lastIndex(of: probe))
            }
        }
    }

    @Test func windowCountsDoNotDependOnArrivalOrder() {
        // Events over three days, applied in time order and shuffled: same counts in every window.
        var random = SplitMix64(seed: 11)
        let start: Int64 = 1_732_896_000_000
        let events = (0..<500).map { _ in
            (type: EventType.allCases[random.nextInt(below: EventType.allCases.count)],
             ts: start + Int64(random.nextInt(below: 3 * 86_400_000)))
        }
        let asOf = events.map(\.ts).max()!
        func counts(_ ordered: [(type: EventType, ts: Int64)]) -> [[UInt32]] {
            var windows = WindowCounts()
            var current = Int64.min
            for event in ordered {
                let previous = current
                current = max(current, event.ts)
                if previous != .min, current / 60_000 != previous / 60_000 { windows.prune(from: previous, to: current) }
                windows.add(type: event.type, at: event.ts, asOf: current)
            }
            #expect(windows.entries.map { $0 >> 30 } == windows.entries.map { $0 >> 30 }.sorted())
            return (0..<3).map { windows.counts(window: $0, asOf: asOf, at: asOf) }
        }
        let inOrder = counts(events.sorted { $0.ts < $1.ts })
        var shuffled = events
        for index in shuffled.indices.reversed() {
            shuffled.swapAt(index, random.nextInt(below: index + 1))
        }
        #expect(counts(shuffled) == inOrder)
        #expect(inOrder[2].reduce(0, +) == 500)
    }
}
