/// Picks a user's recommendations (CONTRACT §5) from a round's `CandidateView`, in reusable storage.
///
/// Interest picks: items in the candidate lists of the user's top interests, scored
/// Σ(matching interest scores) × decayed item popularity, reason `tag:<best matching tag>`.
/// Then `round(K × explorationShare)` slots (and any the interests could not fill) go to the
/// most popular items that match none of those interests, reason `explore:popular`.
/// Excluded always: seen items, `not_interested` items and every item of their authors,
/// tombstoned items; at most `maxItemsPerAuthorInRecommendations` per author. Ties break by
/// item id, so the output is deterministic.
///
/// One value per shard is reused for every user: candidates, the dedupe table, the ranking heap and
/// the picks live in arrays that keep their capacity, so a user costs no allocation here.
struct Recommender {
    struct Pick: Equatable {
        var item: UInt32
        var score: Double
        var reason: Reason
    }

    enum Reason: Equatable {
        case tag(UInt32)
        case explore
    }

    /// The picks of the last `recommend` call, best first.
    private(set) var picks: [Pick] = []
    private var pickedAuthors: [UInt32] = []
    private var scratch: RecommenderScratch

    init(configuration: EngineConfiguration) {
        scratch = RecommenderScratch(
            candidates: max(1, configuration.interestsForRecommendations) * max(1, configuration.candidatesPerTag),
            seen: configuration.seenItemsPerUser)
    }

    /// Fills `picks` for `profile` stated at `asOf`; `interests` are its top tags, best first.
    mutating func recommend(
        for profile: Profile,
        interests: ArraySlice<Profile.ScoreEntry>,
        at asOf: Int64,
        view: CandidateView,
        names: SymbolNames,
        configuration: EngineConfiguration
    ) {
        picks.removeAll(keepingCapacity: true)
        pickedAuthors.removeAll(keepingCapacity: true)
        let k = configuration.recommendationsK
        guard k > 0 else { return }
        let share = min(1, max(0, configuration.explorationShare))
        let exploreSlots = min(k, Int((Double(k) * share).rounded()))
        let halfLifeMs = configuration.halfLifeMs
        let interestFactor = Decay.factor(from: profile.reference, to: asOf, halfLifeMs: halfLifeMs)
        let popularityFactor = view.reference.map { Decay.factor(from: $0, to: asOf, halfLifeMs: halfLifeMs) } ?? 0

        let needed = interests.count * max(1, configuration.candidatesPerTag)
        if needed > scratch.candidateCapacity {
            scratch = RecommenderScratch(candidates: needed, seen: scratch.seenCapacity)
        }
        let scratch = self.scratch
        let seenCount = scratch.reset(seen: profile.seen)
        let seen = profile.seen
        let blocked = profile.blocked
        // Candidate lists never hold tombstoned items, so exclusion needs no item lookup.
        @inline(__always) func excluded(_ entry: CandidateList.Entry) -> Bool {
            if let seenCount {
                if scratch.isSeen(entry.item, count: seenCount) { return true }
            } else if seen.contains(entry.item) {
                return true
            }
            if blocked.isEmpty { return false }
            return blocked.contains(entry.item)
                || (entry.author != 0 && blocked.contains(entry.author | Profile.ScoreEntry.authorFlag))
        }

        // Accumulate Σ interest per candidate, remembering the strongest matching tag.
        let candidates = scratch.candidates
        var count = 0
        view.entries.withUnsafeBufferPointer { entries in
            for entry in interests {
                let interest = entry.value * interestFactor
                for position in view.list(entry.symbol) {
                    let candidate = entries[position]
                    let (slot, found) = scratch.find(candidate.item)
                    if found >= 0 {
                        candidates[found].interest += interest
                        if interest > candidates[found].bestInterest {
                            candidates[found].bestInterest = interest
                            candidates[found].bestTag = entry.symbol
                        }
                        continue
                    }
                    guard !excluded(candidate) else { continue }
                    scratch.table[slot] = Int32(count + 1)
                    candidates[count] = RecommenderScratch.Candidate(
                        item: candidate.item, author: candidate.author, bestTag: entry.symbol,
                        popularity: candidate.popularity, interest: interest, bestInterest: interest)
                    count += 1
                }
            }
        }
        let keys = scratch.keys
        for index in 0..<count {
            let score = candidates[index].interest * candidates[index].popularity * popularityFactor
            candidates[index].score = score
            keys[index] = RecommenderScratch.Key(score: score, index: Int32(index))
        }

        let authorCap = max(1, configuration.maxItemsPerAuthorInRecommendations)
        scratch.buildHeap(count: count, names: names)
        var remaining = count
        while picks.count < k - exploreSlots, let index = scratch.popBest(count: &remaining, names: names) {
            let candidate = candidates[index]
            guard admit(candidate.author, cap: authorCap) else { continue }
            picks.append(Pick(item: candidate.item, score: candidate.score, reason: .tag(candidate.bestTag)))
        }

        // Exploration: popular items outside the top interests.
        guard picks.count < k else { return }
        for (index, entry) in view.popular.enumerated() {
            guard scratch.find(entry.item).found < 0, !excluded(entry) else { continue }
            let (hasRecord, shares) = view.popularEntry(index, sharesTagWith: interests)
            guard hasRecord, !shares, admit(entry.author, cap: authorCap) else { continue }
            picks.append(Pick(item: entry.item, score: entry.popularity * popularityFactor, reason: .explore))
            if picks.count == k { break }
        }
    }

    private mutating func admit(_ author: UInt32, cap: Int) -> Bool {
        guard author != 0 else { return true }
        var count = 0
        for picked in pickedAuthors where picked == author { count += 1 }
        guard count < cap else { return false }
        pickedAuthors.append(author)
        return true
    }
}
