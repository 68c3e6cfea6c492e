import CPortraitPrefetch

extension ProfileStore {
    /// How many events ahead the shard's passes prefetch a profile's slab entry, and its words.
    ///
    /// A part's events touch profiles in no particular order, so each profile's first touch in a pass is a cache
    /// miss, and the next event's loads wait behind it. Prefetching a few events ahead lets the misses of several
    /// events overlap with the work on the current one.
    static let entryPrefetchDistance = 8
    static let wordsPrefetchDistance = 4

    /// Prefetches every cache line of `slot`'s slab entry.
    @inline(__always)
    func prefetchEntry(_ slot: Int32) {
        slab.withUnsafeBufferPointer { slab in
            guard let base = slab.baseAddress else { return }
            let entry = UnsafeRawPointer(base + Int(slot))
            portrait_prefetch(entry)
            portrait_prefetch(entry + 64)
            portrait_prefetch(entry + (MemoryLayout<Profile>.size - 1))
        }
    }

    /// Prefetches the lines of `slot`'s words an event reads first: the start and the middle of the scores (the
    /// first probes of the score search) and the start of the window entries. Reads the slab entry, which should be
    /// prefetched already.
    @inline(__always)
    func prefetchWords(_ slot: Int32) {
        slab.withUnsafeBufferPointer { slab in
            guard let profile = slab.baseAddress.map({ $0 + Int(slot) }) else { return }
            let scoreWords = (Int(profile.pointee.tagCount) + Int(profile.pointee.authorCount)) &* Profile.scoreWords
            let windowStart = scoreWords &+ Int(profile.pointee.seenCount)
            profile.pointee.words.withUnsafeBufferPointer { words in
                guard let base = words.baseAddress else { return }
                portrait_prefetch(base)
                portrait_prefetch(base + scoreWords / 2)
                portrait_prefetch(base + windowStart)
            }
        }
    }

    /// The hash the user index files `userId` under.
    @inline(__always)
    func userHash(_ userId: String) -> UInt32 { index.hash(of: userId) }

    /// Prefetches the user index's first probe for `hash`.
    @inline(__always)
    func prefetchIndex(hash: UInt32) { index.prefetch(hash: hash) }

    /// Prefetches the slab entry a lookup of `hash` compares first (reads the index, which should be prefetched).
    @inline(__always)
    func prefetchCandidate(hash: UInt32) {
        if let slot = index.firstCandidate(hash: hash) { prefetchEntry(slot) }
    }
}
