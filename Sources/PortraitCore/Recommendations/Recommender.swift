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
    /// Candidates the last user left in the scratch table.
    private var lastCount = 0
    /// Per popular entry of the view: its candidate index, or −1 when it is an interest candidate.
    private var popularCandidates: [Int32] = []
    /// Seen + blocked items up to which exploration checks popular items against them directly.
    static let directExclusionLimit = 32
    /// Per interest of the current user: its candidate list in the view (looked up once).
    private var interestLists: [Range<Int>] = []

    init(configuration: EngineConfiguration) {
        scratch = RecommenderScratch(
            candidates: max(1, configuration.interestsForRecommendations) * max(1, configuration.candidatesPerTag)
                + max(64, configuration.recommendationsK * 4))
    }

    /// Fills `picks` for `profile` stated at `asOf`; `interests` are its top tags, best first.
    mutating func recommend(
        for profile: UnsafePointer<Profile>,
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
        let interestFactor = Decay.factor(from: profile.pointee.reference, to: asOf, halfLifeMs: halfLifeMs)
        let popularityFactor = view.reference.map { Decay.factor(from: $0, to: asOf, halfLifeMs: halfLifeMs) } ?? 0

        interestLists.removeAll(keepingCapacity: true)
        var needed = view.popular.count
        for entry in interests {
            let list = view.list(entry.symbol)
            interestLists.append(list)
            needed += list.count
        }
        if needed > scratch.candidateCapacity {
            scratch.clear(count: lastCount)
            scratch = RecommenderScratch(candidates: needed)
            lastCount = 0
        }
        let scratch = self.scratch
        scratch.clear(count: lastCount)

        // Accumulate Σ interest per candidate, remembering the strongest matching tag. Exclusions
        // are marked afterwards, with one table probe per seen or blocked item.
        let candidates = scratch.candidates
        var count = 0
        view.entries.withUnsafeBufferPointer { entries in
            for (offset, entry) in interests.enumerated() {
                let interest = entry.value * interestFactor
                for position in interestLists[offset] {
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
                    scratch.insert(candidate.item, index: count, at: slot)
                    candidates[count] = RecommenderScratch.Candidate(
                        item: candidate.item, author: candidate.author, bestTag: entry.symbol, excluded: false,
                        popularity: candidate.popularity, interest: interest, bestInterest: interest)
                    count += 1
                }
            }
        }
        let interestCount = count
        // Popular items outside the interest candidates join the table, for their exclusions, when
        // the user has many seen or blocked items; with few, exploration checks the few popular items
        // it looks at directly (it usually stops after a handful of the ~80).
        let checksPopularDirectly = Int(profile.pointee.seenCount) + profile.pointee.blocked.count <= Self.directExclusionLimit
        popularCandidates.removeAll(keepingCapacity: true)
        for entry in view.popular where !checksPopularDirectly {
            let (slot, found) = scratch.find(entry.item)
            if found >= 0 {
                popularCandidates.append(-1)
                continue
            }
            scratch.insert(entry.item, index: count, at: slot)
            candidates[count] = RecommenderScratch.Candidate(
                item: entry.item, author: entry.author, bestTag: 0, excluded: false,
                popularity: entry.popularity, interest: 0, bestInterest: 0)
            popularCandidates.append(Int32(count))
            count += 1
        }
        lastCount = count
        profile.withSeen { scratch.exclude($0) }
        if !profile.pointee.blocked.isEmpty {
            // Candidate lists never hold tombstoned items, so exclusion needs no item lookup.
            let blocked = profile.pointee.blocked
            blocked.withUnsafeBufferPointer { scratch.exclude($0) }  // author keys carry the flag: no match
            for index in 0..<count where candidates[index].author != 0 && !candidates[index].excluded {
                if blocked.contains(candidates[index].author | Profile.ScoreEntry.authorFlag) {
                    candidates[index].excluded = true
                }
            }
        }

        let keys = scratch.keys
        var ranked = 0
        for index in 0..<interestCount where !candidates[index].excluded {
            let score = candidates[index].interest * candidates[index].popularity * popularityFactor
            candidates[index].score = score
            keys[ranked] = RecommenderScratch.Key(score: score, index: Int32(index))
            ranked += 1
        }

        let authorCap = max(1, configuration.maxItemsPerAuthorInRecommendations)
        let wanted = k - exploreSlots
        var selected = false
        if wanted > 0 && ranked > 2 * wanted {
            // The best `wanted` in order are the picks unless the author cap skips one of them; then
            // the full heap below starts over on the same keys.
            scratch.selectBest(wanted, count: ranked, names: names)
            selected = true
            for position in 0..<wanted {
                let candidate = candidates[Int(keys[position].index)]
                guard admit(candidate.author, cap: authorCap) else {
                    selected = false
                    break
                }
                picks.append(Pick(item: candidate.item, score: candidate.score, reason: .tag(candidate.bestTag)))
            }
            if !selected {
                picks.removeAll(keepingCapacity: true)
                pickedAuthors.removeAll(keepingCapacity: true)
            }
        }
        if !selected {
            scratch.buildHeap(count: ranked, names: names)
            var remaining = ranked
            while picks.count < wanted, let index = scratch.popBest(count: &remaining, names: names) {
                let candidate = candidates[index]
                guard admit(candidate.author, cap: authorCap) else { continue }
                picks.append(Pick(item: candidate.item, score: candidate.score, reason: .tag(candidate.bestTag)))
            }
        }

        // Exploration: popular items outside the top interests.
        guard picks.count < k else { return }
        for (index, entry) in view.popular.enumerated() {
            if checksPopularDirectly {
                guard scratch.find(entry.item).found < 0, !profile.withSeen({ $0.contains(entry.item) }) else {
                    continue
                }
                if !profile.pointee.blocked.isEmpty {
                    guard !profile.pointee.blocked.contains(entry.item),
                        entry.author == 0 || !profile.pointee.blocked.contains(entry.author | Profile.ScoreEntry.authorFlag)
                    else { continue }
                }
            } else {
                let candidate = Int(popularCandidates[index])
                guard candidate >= 0, !candidates[candidate].excluded else { continue }
            }
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
