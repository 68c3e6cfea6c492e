/// Where the estimated profile bytes go (`ProfileEngine.memoryBreakdown()`), summed over profiles.
///
/// A profile's scores, seen items and window entries share one allocation (`Profile.words`): each
/// part counts the words it uses, and the allocation's header (32 bytes, once) and its unused
/// capacity are parts of their own, so the parts add up to `estimatedBytes`.
public struct ProfileMemoryBreakdown: Sendable, Equatable {
    public var profiles = 0
    /// The slab entries (`MemoryLayout<Profile>.stride` each) and out-of-line user ids.
    public var fixed = 0
    /// Array headers of the word arrays (32 bytes each).
    public var header = 0
    /// Unused capacity of the word arrays.
    public var slack = 0
    public var scores = 0
    public var scoreEntries = 0
    public var seen = 0
    public var seenItems = 0
    public var windows = 0
    public var windowEntries = 0
    /// `not_interested` marks and further input partitions' offsets.
    public var other = 0

    public var total: Int { fixed + header + slack + scores + seen + windows + other }

    public init() {}

    mutating func add(_ profile: Profile) {
        func heap<T>(_ array: [T]) -> Int {
            array.capacity == 0 ? 0 : 32 + array.capacity * MemoryLayout<T>.stride
        }
        let word = MemoryLayout<UInt32>.stride
        profiles += 1
        fixed += MemoryLayout<Profile>.stride + (profile.userId.utf8.count > 15 ? 32 + profile.userId.utf8.count : 0)
        if profile.words.capacity > 0 {
            header += 32
            slack += (profile.words.capacity - profile.words.count) * word
        }
        scores += profile.scoreCount * Profile.scoreWords * word
        scoreEntries += profile.scoreCount
        seen += Int(profile.seenCount) * word
        seenItems += Int(profile.seenCount)
        windows += Int(profile.windowCount) * word
        windowEntries += Int(profile.windowCount)
        other += heap(profile.blocked) + heap(profile.moreOffsets)
    }
}

extension ProfileEngine {
    /// Walks every shard's profiles (a barrier on each shard; for benchmarks and diagnostics).
    public func memoryBreakdown() async -> ProfileMemoryBreakdown {
        var sum = ProfileMemoryBreakdown()
        for shard in shards {
            sum = await shard.perform { [sum] shard in
                var total = sum
                for slot in shard.store.allSlots() { total.add(shard.store[slot]) }
                return total
            }
        }
        return sum
    }
}
