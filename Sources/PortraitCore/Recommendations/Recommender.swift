/// Picks a user's recommendations (CONTRACT §5) from the catalog's candidate lists.
///
/// Interest picks: items in the candidate lists of the user's top interests, scored
/// Σ(matching interest scores) × decayed item popularity, reason `tag:<best matching tag>`.
/// Then `round(K × explorationShare)` slots (and any the interests could not fill) go to the
/// most popular items that match none of those interests, reason `explore:popular`.
/// Excluded always: seen items, `not_interested` items and every item of their authors,
/// tombstoned items; at most `maxItemsPerAuthorInRecommendations` per author. Ties break by
/// item id, so the output is deterministic.
enum Recommender {
    struct Pick: Equatable {
        var item: UInt32
        var score: Double
        var reason: Reason
    }

    enum Reason: Equatable {
        case tag(UInt32)
        case explore
    }

    static func recommend(
        for profile: Profile,
        at asOf: Int64,
        catalog state: CatalogState,
        configuration: EngineConfiguration
    ) -> [Pick] {
        let k = configuration.recommendationsK
        guard k > 0 else { return [] }
        let share = min(1, max(0, configuration.explorationShare))
        let exploreSlots = min(k, Int((Double(k) * share).rounded()))
        let interests = profile.top(configuration.interestsForRecommendations, authors: false)
        let interestFactor = Decay.factor(from: profile.reference, to: asOf, halfLifeMs: configuration.halfLifeMs)

        let popularityFactor = state.reference.map {
            Decay.factor(from: $0, to: asOf, halfLifeMs: configuration.halfLifeMs)
        } ?? 0
        // Candidate lists never hold tombstoned items, so exclusion needs no item lookup.
        func excluded(_ entry: CandidateList.Entry) -> Bool {
            profile.seen.contains(entry.item) || profile.blocked.contains(entry.item)
                || (entry.author != 0 && profile.blocked.contains(entry.author | Profile.ScoreEntry.authorFlag))
        }

        // Accumulate Σ interest per candidate, remembering the strongest matching tag.
        struct Candidate {
            var item: UInt32
            var author: UInt32
            var popularity: Double
            var interest: Double
            var bestTag: UInt32
            var bestInterest: Double
            var score: Double = 0
        }
        var candidates: [Candidate] = []
        candidates.reserveCapacity(interests.count * state.candidatesPerTag)
        // Small (≤ interests × candidatesPerTag): a linear scan beats hashing and allocating a dictionary.
        func position(of item: UInt32) -> Int? { candidates.firstIndex { $0.item == item } }
        for entry in interests {
            let interest = entry.value * interestFactor
            guard let list = state.tagLists[entry.symbol] else { continue }
            for candidate in list.entries {
                if let index = position(of: candidate.item) {
                    candidates[index].interest += interest
                    if interest > candidates[index].bestInterest {
                        candidates[index].bestInterest = interest
                        candidates[index].bestTag = entry.symbol
                    }
                    continue
                }
                guard !excluded(candidate) else { continue }
                candidates.append(
                    Candidate(
                        item: candidate.item, author: candidate.author, popularity: candidate.popularity,
                        interest: interest, bestTag: entry.symbol, bestInterest: interest))
            }
        }
        for index in candidates.indices {
            candidates[index].score = candidates[index].interest * candidates[index].popularity * popularityFactor
        }
        candidates.sort { lhs, rhs in
            if lhs.score != rhs.score { return lhs.score > rhs.score }
            if lhs.interest != rhs.interest { return lhs.interest > rhs.interest }
            return state.symbols.name(lhs.item) < state.symbols.name(rhs.item)
        }

        var picks: [Pick] = []
        var pickedAuthors: [UInt32] = []
        let authorCap = max(1, configuration.maxItemsPerAuthorInRecommendations)
        func admit(_ author: UInt32) -> Bool {
            guard author != 0 else { return true }
            guard pickedAuthors.count(where: { $0 == author }) < authorCap else { return false }
            pickedAuthors.append(author)
            return true
        }
        for candidate in candidates where picks.count < k - exploreSlots {
            guard admit(candidate.author) else { continue }
            picks.append(Pick(item: candidate.item, score: candidate.score, reason: .tag(candidate.bestTag)))
        }

        // Exploration: popular items outside the top interests.
        let interestTags = interests.map(\.symbol)
        for entry in state.popular.entries where picks.count < k {
            guard position(of: entry.item) == nil, !excluded(entry), let record = state.items[entry.item],
                !record.tags.contains(where: interestTags.contains), admit(entry.author)
            else { continue }
            picks.append(Pick(item: entry.item, score: entry.popularity * popularityFactor, reason: .explore))
        }
        return picks
    }

    /// Renders the CONTRACT §5 record.
    static func render(
        userId: String,
        version: UInt64,
        asOf: Int64,
        picks: [Pick],
        symbols: SymbolTable
    ) -> [UInt8] {
        var json = JSONWriter(capacity: 128 + picks.count * 64)
        json.raw("{")
        json.key("user_id")
        json.string(userId)
        json.raw(",")
        json.key("version")
        json.uint(version)
        json.raw(",")
        json.key("as_of")
        json.int(asOf)
        json.raw(",")
        json.key("items")
        json.raw("[")
        for (offset, pick) in picks.enumerated() {
            if offset > 0 { json.raw(",") }
            json.raw("{")
            json.key("item_id")
            json.string(symbols.name(pick.item))
            json.raw(",")
            json.key("score")
            json.double(pick.score)
            json.raw(",")
            json.key("reason")
            switch pick.reason {
            case .tag(let tag): json.string("tag:" + symbols.name(tag))
            case .explore: json.raw("\"explore:popular\"")
            }
            json.raw("}")
        }
        json.raw("]}")
        return json.bytes
    }
}
