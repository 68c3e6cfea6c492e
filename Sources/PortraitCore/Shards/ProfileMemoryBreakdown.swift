/// Where the estimated profile bytes go (`ProfileEngine.memoryBreakdown()`), summed over profiles.
///
/// Array parts count their allocation as `estimatedBytes` does: a 32-byte header plus capacity.
public struct ProfileMemoryBreakdown: Sendable, Equatable {
    public var profiles = 0
    /// The slab entries (`MemoryLayout<Profile>.stride` each) and out-of-line user ids.
    public var fixed = 0
    public var scores = 0
    public var scoreEntries = 0
    public var seen = 0
    public var seenItems = 0
    public var windows = 0
    public var windowEntries = 0
    /// `not_interested` marks and further input partitions' offsets.
    public var other = 0

    public var total: Int { fixed + scores + seen + windows + other }

    public init() {}

    mutating func add(_ profile: Profile) {
        func heap<T>(_ array: [T]) -> Int {
            array.capacity == 0 ? 0 : 32 + array.capacity * MemoryLayout<T>.stride
        }
        profiles += 1
        fixed += MemoryLayout<Profile>.stride + (profile.userId.utf8.count > 15 ? 32 + profile.userId.utf8.count : 0)
        scores += heap(profile.scores)
        scoreEntries += profile.scores.count
        seen += heap(profile.seen)
        seenItems += profile.seen.count
        windows += profile.windows.estimatedHeapBytes
        windowEntries += profile.windows.entries.count
        other += heap(profile.blocked) + heap(profile.moreOffsets)
    }

    static func + (lhs: Self, rhs: Self) -> Self {
        var sum = lhs
        sum.profiles += rhs.profiles
        sum.fixed += rhs.fixed
        sum.scores += rhs.scores
        sum.scoreEntries += rhs.scoreEntries
        sum.seen += rhs.seen
        sum.seenItems += rhs.seenItems
        sum.windows += rhs.windows
        sum.windowEntries += rhs.windowEntries
        sum.other += rhs.other
        return sum
    }
}

extension ProfileEngine {
    /// Walks every shard's profiles (a barrier on each shard; for benchmarks and diagnostics).
    public func memoryBreakdown() async -> ProfileMemoryBreakdown {
        var sum = ProfileMemoryBreakdown()
        for shard in shards {
            sum = sum + (await shard.perform { shard in
                var part = ProfileMemoryBreakdown()
                for slot in shard.store.allSlots() { part.add(shard.store[slot]) }
                return part
            })
        }
        return sum
    }
}
