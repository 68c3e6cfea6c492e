/// The regions of `Profile.words`: scores (three words per entry), then seen items, then window entries.
///
/// Three arrays per profile cost three headers (32 bytes each, plus malloc's own) and three slacks;
/// one array of 4-byte words costs one of each. Readers get typed buffers over a region (scores
/// rebound to `ScoreEntry`, which is three `UInt32`s: stride 12, alignment 4); writers insert and
/// remove words inside a region, moving the regions after it.
extension Profile {
    /// Words per `ScoreEntry`.
    static let scoreWords = 3

    var scoreCount: Int { Int(tagCount) + Int(authorCount) }
    /// Index in `words` of the first seen item.
    var seenStart: Int { scoreCount &* Self.scoreWords }
    /// Index in `words` of the first window entry.
    var windowStart: Int { seenStart &+ Int(seenCount) }

    /// Calls `body` with the score entries (tags then authors, each sorted by key).
    func withScores<R>(_ body: (UnsafeBufferPointer<ScoreEntry>) throws -> R) rethrows -> R {
        try words.withUnsafeBufferPointer { try Self.scores(in: $0, count: scoreCount, body) }
    }

    /// Calls `body` with the score entries, writable (no entry can be added or removed through it).
    mutating func withMutableScores<R>(_ body: (UnsafeMutableBufferPointer<ScoreEntry>) throws -> R) rethrows -> R {
        let count = scoreCount
        guard count > 0 else { return try body(UnsafeMutableBufferPointer(start: nil, count: 0)) }
        return try words.withUnsafeMutableBufferPointer { words in
            try words.baseAddress!.withMemoryRebound(to: ScoreEntry.self, capacity: count) {
                try body(UnsafeMutableBufferPointer(start: $0, count: count))
            }
        }
    }

    /// Calls `body` with the seen items, oldest first.
    func withSeen<R>(_ body: (UnsafeBufferPointer<UInt32>) throws -> R) rethrows -> R {
        let start = seenStart
        let count = Int(seenCount)
        return try words.withUnsafeBufferPointer {
            try body(UnsafeBufferPointer(rebasing: $0[start..<(start + count)]))
        }
    }

    /// Calls `body` with the window entries (`WindowCounts`' format).
    func withWindowEntries<R>(_ body: (UnsafeBufferPointer<UInt32>) throws -> R) rethrows -> R {
        let start = windowStart
        let count = Int(windowCount)
        return try words.withUnsafeBufferPointer {
            try body(UnsafeBufferPointer(rebasing: $0[start..<(start + count)]))
        }
    }

    /// The first `count` entries of `words` seen as score entries.
    static func scores<R>(
        in words: UnsafeBufferPointer<UInt32>, count: Int, _ body: (UnsafeBufferPointer<ScoreEntry>) throws -> R
    ) rethrows -> R {
        guard count > 0, let base = words.baseAddress else {
            return try body(UnsafeBufferPointer(start: nil, count: 0))
        }
        return try base.withMemoryRebound(to: ScoreEntry.self, capacity: count) {
            try body(UnsafeBufferPointer(start: $0, count: count))
        }
    }

    /// A copy of the score entries (allocates: for snapshots and tests, not the per-event path).
    var scores: [ScoreEntry] { withScores { Array($0) } }

    /// A copy of the seen items, oldest first (allocates).
    var seen: [UInt32] { withSeen { Array($0) } }

    /// A copy of the window counts (allocates).
    var windows: WindowCounts {
        var windows = WindowCounts()
        windows.entries = withWindowEntries { Array($0) }
        return windows
    }

    /// Replaces all three regions, in one allocation of exactly their size.
    ///
    /// `scores` must be sorted by key without duplicates (tags then authors). A region beyond
    /// `UInt16.max` entries (only a corrupt or foreign state) keeps its first (scores) or newest
    /// (seen items) entries.
    mutating func setRegions(
        scores: UnsafeBufferPointer<ScoreEntry>, seen: UnsafeBufferPointer<UInt32>, windows: [UInt32]
    ) {
        var tags = 0
        while tags < scores.count, !scores[tags].isAuthor { tags += 1 }
        let keptTags = min(tags, Int(UInt16.max))
        let keptAuthors = min(scores.count - tags, Int(UInt16.max))
        let keptSeen = min(seen.count, Int(UInt16.max))
        let keptWindows = min(windows.count, Int(UInt16.max))
        var words: [UInt32] = []
        let total = (keptTags + keptAuthors) * Self.scoreWords + keptSeen + keptWindows
        guard total > 0 else {
            self.words = []
            (tagCount, authorCount, seenCount, windowCount) = (0, 0, 0, 0)
            return
        }
        words.reserveCapacity(total)
        for entry in scores[..<keptTags] {
            words.append(entry.key)
            words.append(entry.low)
            words.append(entry.high)
        }
        for entry in scores[tags..<(tags + keptAuthors)] {
            words.append(entry.key)
            words.append(entry.low)
            words.append(entry.high)
        }
        words.append(contentsOf: seen[(seen.count - keptSeen)...])
        words.append(contentsOf: windows[..<keptWindows])
        self.words = words
        tagCount = UInt16(keptTags)
        authorCount = UInt16(keptAuthors)
        seenCount = UInt16(keptSeen)
        windowCount = UInt16(keptWindows)
    }

    /// `setRegions` from arrays (snapshots and tests).
    mutating func setRegions(scores: [ScoreEntry], seen: [UInt32], windows: [UInt32]) {
        scores.withUnsafeBufferPointer { scores in
            seen.withUnsafeBufferPointer { setRegions(scores: scores, seen: $0, windows: windows) }
        }
    }

    /// Opens `count` words at `index` of `words` (the words from `index` on move up; the new ones are 0).
    mutating func insertWords(at index: Int, count: Int) {
        let tail = words.count - index
        WordArrayGrowth.reserve(&words, adding: count)
        for _ in 0..<count { words.append(0) }
        guard tail > 0 else { return }
        words.withUnsafeMutableBufferPointer { words in
            let base = words.baseAddress!
            UnsafeMutableRawPointer(base + index + count).copyMemory(
                from: base + index, byteCount: tail * MemoryLayout<UInt32>.stride)
            for offset in 0..<count { base[index + offset] = 0 }
        }
    }
}

extension UnsafePointer where Pointee == Profile {
    // Readers that hold a pointer into the slab: a method called on `pointee` would copy the profile
    // (a retain and release per array), reading stored properties through it does not.

    /// Calls `body` with the profile's score entries (tags then authors, each sorted by key).
    func withScores<R>(_ body: (UnsafeBufferPointer<Profile.ScoreEntry>) throws -> R) rethrows -> R {
        let count = Int(pointee.tagCount) + Int(pointee.authorCount)
        return try pointee.words.withUnsafeBufferPointer { try Profile.scores(in: $0, count: count, body) }
    }

    /// Calls `body` with the profile's seen items, oldest first.
    func withSeen<R>(_ body: (UnsafeBufferPointer<UInt32>) throws -> R) rethrows -> R {
        let start = (Int(pointee.tagCount) + Int(pointee.authorCount)) &* Profile.scoreWords
        let count = Int(pointee.seenCount)
        return try pointee.words.withUnsafeBufferPointer {
            try body(UnsafeBufferPointer(rebasing: $0[start..<(start + count)]))
        }
    }

    /// Calls `body` with the profile's window entries (`WindowCounts`' format).
    func withWindowEntries<R>(_ body: (UnsafeBufferPointer<UInt32>) throws -> R) rethrows -> R {
        let start = (Int(pointee.tagCount) + Int(pointee.authorCount)) &* Profile.scoreWords + Int(pointee.seenCount)
        let count = Int(pointee.windowCount)
        return try pointee.words.withUnsafeBufferPointer {
            try body(UnsafeBufferPointer(rebasing: $0[start..<(start + count)]))
        }
    }
}
