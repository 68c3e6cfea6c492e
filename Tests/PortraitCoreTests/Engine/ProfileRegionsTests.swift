import Testing

@testable import PortraitCore

/// A profile's scores, seen items and window entries share one word array: each region holds what
/// separate arrays would, and compaction leaves the slack it promises.
@Suite struct ProfileRegionsTests {
    @Test func layoutsAreTheOnesTheRegionsRelyOn() {
        // Scores are read by rebinding words to `ScoreEntry`: three words, no padding.
        #expect(MemoryLayout<Profile.ScoreEntry>.size == 12)
        #expect(MemoryLayout<Profile.ScoreEntry>.stride == 12)
        #expect(MemoryLayout<Profile.ScoreEntry>.alignment == 4)
        // Fields by alignment: no inner padding (168 bytes with three arrays and padded context fields).
        #expect(MemoryLayout<Profile>.stride <= 144)
    }

    /// Applies random events to a profile and, after each, compares every region with a separate model.
    @Test(arguments: [1 as UInt64, 2, 3])
    func regionsMatchSeparateModels(seed: UInt64) {
        var configuration = EngineConfiguration()
        configuration.maxTagsPerUser = 6
        configuration.maxAuthorsPerUser = 4
        configuration.seenItemsPerUser = 9
        let catalog = ItemCatalog(configuration: configuration)
        let ids = catalog.withState { state in (0..<40).map { state.symbols.intern("name\($0)") } }
        var random = SplitMix64(seed: seed)
        var profile = Profile(userId: "u")
        var seen: [UInt32] = []
        var windows = WindowCounts()
        var ts: Int64 = 1_732_896_000_000
        var names = SymbolNames()
        for _ in 0..<400 {
            ts += Int64(random.nextInt(below: 40)) * 60_000
            let at = ts - (random.nextInt(below: 4) == 0 ? Int64(random.nextInt(below: 3_600_000)) : 0)
            let tags = (0..<random.nextInt(below: 4)).map { _ in ids[random.nextInt(below: 15)] }
            let type = EventType.allCases[random.nextInt(below: EventType.allCases.count)]
            let item = ids[20 + random.nextInt(below: 20)]
            let event = ResolvedEvent(
                type: type, timestamp: at, weight: 1 + Double(random.nextInt(below: 3)), item: item,
                author: random.nextInt(below: 3) == 0 ? 0 : ids[15 + random.nextInt(below: 5)], tagStart: 0,
                tagCount: Int32(tags.count), country: 0, device: 0, lang: 0,
                position: InputPosition(partition: 0, offset: -1), slot: 0)
            let previousAsOf = profile.asOf
            tags.withUnsafeBufferPointer {
                profile.apply(event, tags: $0, configuration: configuration, names: &names, catalog: catalog)
            }

            if let index = seen.lastIndex(of: item) { seen.remove(at: index) }
            if seen.count >= configuration.seenItemsPerUser { seen.removeFirst() }
            seen.append(item)
            if previousAsOf != .min, profile.asOf / 60_000 != previousAsOf / 60_000 {
                windows.prune(from: previousAsOf, to: profile.asOf)
            }
            windows.add(type: type, at: at, asOf: profile.asOf)

            #expect(profile.words.count == profile.scoreCount * 3 + Int(profile.seenCount) + Int(profile.windowCount))
            #expect(profile.seen == seen)
            #expect(profile.windows == windows)
            let scores = profile.scores
            #expect(zip(scores, scores.dropFirst()).allSatisfy { $0.key < $1.key })
            #expect(scores.count(where: { !$0.isAuthor }) == Int(profile.tagCount))
            #expect(Int(profile.tagCount) <= 6 && Int(profile.authorCount) <= 4)
            #expect(scores.allSatisfy { $0.value > 0 && $0.value.isFinite })
        }
        #expect(profile.tagCount == 6 && profile.authorCount == 4)
    }

    @Test func compactionLeavesTheSlackItPromises() {
        var profile = Profile(userId: "u")
        let scores = (1...40).map { Profile.ScoreEntry(key: UInt32($0), value: Double($0)) }
        profile.setRegions(scores: scores, seen: Array(1...30), windows: [])
        #expect(profile.words.count == 150)
        #expect(profile.scores.map(\.key) == scores.map(\.key))
        #expect(profile.seen == Array(1...30))
        // Growth, then compaction to the exact size (malloc rounding aside).
        profile.words.reserveCapacity(400)
        profile.compact()
        #expect(profile.words.capacity - profile.words.count <= 3)
        #expect(profile.estimatedBytes == MemoryLayout<Profile>.stride + 32 + profile.words.capacity * 4)
        // With emit interval 0: headroom is left for the next events, and kept.
        profile.words.reserveCapacity(400)
        profile.compactLeavingHeadroom()
        let capacity = profile.words.capacity
        #expect(capacity >= 150 + 150 / 8 + Profile.headroomWords)
        #expect(capacity <= 150 + 150 / 4 + Profile.headroomWords + WordArrayGrowth.minimumGrowth)
        profile.compactLeavingHeadroom()
        #expect(profile.words.capacity == capacity)
        #expect(profile.scores.map(\.key) == scores.map(\.key))
        #expect(profile.seen == Array(1...30))
    }

    /// Unkeyed input brings one user's events on many partitions: each partition's highest offset is kept, an
    /// offset at or below it is a duplicate, and the byte estimate follows the arrays it does not read.
    @Test func admissionTracksEveryPartitionAndTheEstimateFollows() {
        func expectedBytes(_ profile: Profile) -> Int {
            func heap<T>(_ array: [T]) -> Int { array.capacity == 0 ? 0 : 32 + array.capacity * MemoryLayout<T>.stride }
            return MemoryLayout<Profile>.stride + heap(profile.words) + heap(profile.blocked) + heap(profile.moreOffsets)
        }
        var profile = Profile(userId: "u")
        #expect(profile.estimatedBytes == expectedBytes(profile))
        var admitted = profile.admit(InputPosition(partition: 0, offset: -1))
        #expect(admitted)  // no position: never a duplicate
        #expect(profile.offsets.isEmpty)
        for offset in [5, 9] as [Int64] {
            for partition in 0..<64 as Range<Int32> {
                admitted = profile.admit(InputPosition(partition: partition, offset: offset + Int64(partition)))
                #expect(admitted)
                #expect(profile.estimatedBytes == expectedBytes(profile))
            }
        }
        #expect(profile.offsets.count == 64)
        #expect(profile.offsets.allSatisfy { $0.offset == 9 + Int64($0.partition) })
        for partition in 0..<64 as Range<Int32> {
            admitted = profile.admit(InputPosition(partition: partition, offset: 9 + Int64(partition)))
            #expect(!admitted)
            admitted = profile.admit(InputPosition(partition: partition, offset: 2))
            #expect(!admitted)
        }
        admitted = profile.admit(InputPosition(partition: 7, offset: 100))
        #expect(admitted)
        #expect(profile.offsets.first { $0.partition == 7 }?.offset == 100)
        profile.blocked = Array(1...300)
        #expect(profile.estimatedBytes == expectedBytes(profile))
        profile.blocked.removeFirst(290)
        profile.compact()
        #expect(profile.estimatedBytes == expectedBytes(profile))
        profile.offsets = []
        #expect(profile.estimatedBytes == expectedBytes(profile))
        // Past what the cached figure holds, the estimate reads the arrays.
        profile.blocked = Array(repeating: 1, count: 20_000)
        #expect(profile.outOfLineBytes == .max)
        #expect(profile.estimatedBytes == expectedBytes(profile))
    }
}
