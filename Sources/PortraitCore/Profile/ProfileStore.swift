import CPortraitPrefetch

/// A shard's profiles: a slab of `Profile` structs, a user index, a least-recently-active list
/// threaded through the slab, and the list of dirty slots awaiting emission.
///
/// No class instance or dictionary per profile: the per-user cost is one slab entry, one index
/// entry and the profile's own small arrays.
struct ProfileStore {
    private(set) var slab: [Profile] = []
    private var index = SlotIndex()
    private var free: [Int32] = []
    /// Most recently active slot, and least recently active slot (-1 = empty).
    private var newest: Int32 = -1
    private var oldest: Int32 = -1
    private(set) var dirty: [Int32] = []
    private(set) var count = 0
    /// Whether the least-recently-active list is kept. Without a memory budget nothing is ever
    /// evicted, and skipping the list saves two random slab writes per event.
    let tracksRecency: Bool

    init(tracksRecency: Bool = true) {
        self.tracksRecency = tracksRecency
    }

    func slot(of userId: String) -> Int32? {
        index.find(hash: index.hash(of: userId)) { slab[Int($0)].userId == userId }
    }

    /// The slot of `userId`, creating an empty profile on first sight.
    mutating func slotCreating(_ userId: String) -> (slot: Int32, created: Bool) {
        slotCreating(userId, hash: index.hash(of: userId))
    }

    /// `slotCreating(_:)` with the user id's `userHash(_:)` already known.
    mutating func slotCreating(_ userId: String, hash: UInt32) -> (slot: Int32, created: Bool) {
        if let slot = index.find(hash: hash, matches: { slab[Int($0)].userId == userId }) { return (slot, false) }
        return (insert(userId, hash: hash), true)
    }

    /// `slotCreating(_:)` for a user id of `view`'s batch (hashed by the decoder): its `String` is built only for a
    /// new profile.
    mutating func slotCreating(_ userId: ArenaString, in view: BatchView) -> (slot: Int32, created: Bool) {
        if let slot = index.find(hash: userId.hash, matches: { view.equals(userId, slab[Int($0)].userId) }) {
            return (slot, false)
        }
        return (insert(view.string(userId), hash: userId.hash), true)
    }

    /// Adds an empty profile for `userId` (absent), whose hash is `hash`.
    private mutating func insert(_ userId: String, hash: UInt32) -> Int32 {
        let slot: Int32
        if let reused = free.popLast() {
            slot = reused
            slab[Int(slot)] = Profile(userId: userId)
        } else {
            slot = Int32(slab.count)
            slab.append(Profile(userId: userId))
        }
        index.insert(hash: hash, slot: slot)
        count += 1
        if tracksRecency { linkNewest(slot) }
        return slot
    }

    subscript(slot: Int32) -> Profile {
        // `_read`, not `get`: a getter would copy the profile (retaining each of its arrays) on every
        // `store[slot].field` read.
        _read { yield slab[Int(slot)] }
        _modify { yield &slab[Int(slot)] }
    }

    /// Puts `profile` into `slot`, keeping the slot's list links and dirty flag.
    mutating func replace(_ slot: Int32, with profile: Profile) {
        let old = slab[Int(slot)]
        slab[Int(slot)] = profile
        slab[Int(slot)].newer = old.newer
        slab[Int(slot)].older = old.older
        slab[Int(slot)].dirty = old.dirty
    }

    /// Marks `slot` most recently active and queues it for emission.
    mutating func touch(_ slot: Int32) {
        if !slab[Int(slot)].dirty {
            slab[Int(slot)].dirty = true
            dirty.append(slot)
        }
        if tracksRecency, newest != slot {
            unlink(slot)
            linkNewest(slot)
        }
    }

    /// Takes the dirty list (those matching `include`), leaving the rest dirty; clears their flags.
    mutating func takeDirty(where include: (Profile) -> Bool = { _ in true }) -> [Int32] {
        var taken: [Int32] = []
        var kept: [Int32] = []
        for slot in dirty {
            if include(slab[Int(slot)]) {
                slab[Int(slot)].dirty = false
                taken.append(slot)
            } else {
                kept.append(slot)
            }
        }
        dirty = kept
        return taken
    }

    /// Forgets the profile in `slot`.
    mutating func remove(_ slot: Int32) {
        let userId = slab[Int(slot)].userId
        if slab[Int(slot)].dirty { dirty.removeAll { $0 == slot } }
        if tracksRecency { unlink(slot) }
        index.remove(hash: index.hash(of: userId), slot: slot)
        slab[Int(slot)] = Profile(userId: "")
        free.append(slot)
        count -= 1
    }

    /// The least recently active slot that has nothing pending (dirty slots are skipped).
    func oldestIdle() -> Int32? {
        var slot = oldest
        while slot >= 0 {
            if !slab[Int(slot)].dirty { return slot }
            slot = slab[Int(slot)].newer
        }
        return nil
    }

    func allSlots() -> [Int32] {
        index.slots
    }

    private mutating func linkNewest(_ slot: Int32) {
        slab[Int(slot)].older = newest
        slab[Int(slot)].newer = -1
        if newest >= 0 { slab[Int(newest)].newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }

    private mutating func unlink(_ slot: Int32) {
        let older = slab[Int(slot)].older
        let newer = slab[Int(slot)].newer
        if older >= 0 { slab[Int(older)].newer = newer } else if oldest == slot { oldest = newer }
        if newer >= 0 { slab[Int(newer)].older = older } else if newest == slot { newest = older }
        slab[Int(slot)].older = -1
        slab[Int(slot)].newer = -1
    }
}

// The prefetch hints of the shards' passes (see `elementsAddress`): in this file, since they read the slab and the
// index in place.
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
    mutating func prefetchEntry(_ slot: Int32) {
        let entry = elementsAddress(&slab) + Int(slot) &* MemoryLayout<Profile>.stride
        portrait_prefetch(entry)
        portrait_prefetch(entry + 64)
        portrait_prefetch(entry + (MemoryLayout<Profile>.size - 1))
    }

    /// Prefetches the lines of `slot`'s words an event reads first: the start and the middle of the scores (the
    /// first probes of the score search) and the start of the window entries. Reads the slab entry through the
    /// array like any reader (only the prefetched addresses come from `elementsAddress`); it should be prefetched
    /// already.
    @inline(__always)
    mutating func prefetchWords(_ slot: Int32) {
        let index = Int(slot)
        let (scoreWords, windowStart) = (slab[index].seenStart, slab[index].windowStart)
        let words = elementsAddress(&slab[index].words)
        portrait_prefetch(words)
        portrait_prefetch(words + (scoreWords / 2) &* 4)
        portrait_prefetch(words + windowStart &* 4)
    }

    /// The hash the user index files `userId` under.
    @inline(__always)
    func userHash(_ userId: String) -> UInt32 { index.hash(of: userId) }

    /// Prefetches the user index's first probe for `hash`.
    @inline(__always)
    mutating func prefetchIndex(hash: UInt32) { index.prefetch(hash: hash) }

    /// Prefetches the slab entry a lookup of `hash` compares first (reads the index, which should be prefetched).
    @inline(__always)
    mutating func prefetchCandidate(hash: UInt32) {
        // The first entry filed under `hash`, whoever it holds: the one a lookup will compare first.
        if let slot = index.find(hash: hash, matches: { _ in true }) { prefetchEntry(slot) }
    }
}
