/// Renders a shard's emissions: profile (§4) and recommendation (§5) records and the encoded state,
/// taking the catalog lock once per round.
///
/// A round first walks its profiles for what it will need from the catalog (names the shard has not
/// copied yet, the candidate lists of top interests), copies that in one lock acquisition, then renders
/// every user outside the lock into one reused byte buffer. Every piece of working storage (buffer, top
/// lists, recommender scratch, candidate view, names) lives here and keeps its capacity between rounds.
struct EmissionRenderer {
    let configuration: EngineConfiguration
    private(set) var names = SymbolNames()
    private var view = CandidateView()
    private var recommender: Recommender
    /// Per prepared profile: its top tags (`topTagCount` of them at most) in `tops[topStarts[i]..<topStarts[i + 1]]`.
    private var tops: [Profile.ScoreEntry] = []
    private var topStarts: [Int] = []
    /// The top authors of the profile being rendered (reused for every user).
    private var authorTops: [Profile.ScoreEntry] = []
    private var missingNames: [UInt32] = []
    private var interestTags: [UInt32] = []

    init(configuration: EngineConfiguration) {
        self.configuration = configuration
        self.recommender = Recommender(configuration: configuration)
    }

    private var topTagCount: Int { max(configuration.topN, configuration.interestsForRecommendations) }

    /// Renders one emission per slot (versions already bumped).
    mutating func render(_ slots: [Int32], store: ProfileStore, catalog: ItemCatalog) -> [Emission] {
        var emissions: [Emission] = []
        emissions.reserveCapacity(slots.count)
        prepare(slots.lazy.map { store[$0] }, catalog: catalog)
        var json = JSONWriter(capacity: 8_192)
        for (index, slot) in slots.enumerated() {
            let profile = store[slot]
            let asOf = profile.asOf
            renderProfile(profile, index: index, at: asOf, into: &json)
            let profileJSON = json.take()
            renderRecommendations(profile, index: index, at: asOf, into: &json)
            let recommendationsJSON = json.take()
            ProfileStateWriter.encode(profile, names: names, into: &json)
            emissions.append(
                Emission(
                    userId: profile.userId, partition: profile.partition, version: profile.version,
                    profile: profileJSON, recommendations: recommendationsJSON, state: json.take()))
        }
        return emissions
    }

    /// The §4 record of one profile stated at `at` (or its own `as_of`).
    mutating func profileJSON(_ profile: Profile, at: Int64?, catalog: ItemCatalog) -> [UInt8] {
        prepare(CollectionOfOne(profile), catalog: catalog)
        var json = JSONWriter(capacity: 2_048)
        renderProfile(profile, index: 0, at: max(at ?? profile.asOf, profile.asOf), into: &json)
        return json.take()
    }

    /// The §5 record of one profile stated at `at` (or its own `as_of`).
    mutating func recommendationsJSON(_ profile: Profile, at: Int64?, catalog: ItemCatalog) -> [UInt8] {
        prepare(CollectionOfOne(profile), catalog: catalog)
        var json = JSONWriter(capacity: 2_048)
        renderRecommendations(profile, index: 0, at: max(at ?? profile.asOf, profile.asOf), into: &json)
        return json.take()
    }

    /// The encoded state of one profile (see `ProfileStateWriter`).
    mutating func encodedState(_ profile: Profile, catalog: ItemCatalog) -> [UInt8] {
        prepare(CollectionOfOne(profile), catalog: catalog)
        var out = JSONWriter(capacity: 1_024)
        ProfileStateWriter.encode(profile, names: names, into: &out)
        return out.take()
    }

    /// Computes each profile's top tags and copies, under one catalog lock, every name the profiles
    /// hold that the shard lacks plus the candidate lists of their top interests.
    private mutating func prepare(_ profiles: some Collection<Profile>, catalog: ItemCatalog) {
        tops.removeAll(keepingCapacity: true)
        topStarts.removeAll(keepingCapacity: true)
        missingNames.removeAll(keepingCapacity: true)
        interestTags.removeAll(keepingCapacity: true)
        topStarts.append(0)
        let interestCount = configuration.interestsForRecommendations
        for profile in profiles {
            let start = tops.count
            profile.appendTop(topTagCount, authors: false, to: &tops)
            topStarts.append(tops.count)
            for entry in tops[start...].prefix(interestCount) { interestTags.append(entry.symbol) }
            for entry in profile.scores where !names.contains(entry.symbol) { missingNames.append(entry.symbol) }
            for item in profile.seen where !names.contains(item) { missingNames.append(item) }
            for key in profile.blocked {
                let symbol = key & ~Profile.ScoreEntry.authorFlag
                if !names.contains(symbol) { missingNames.append(symbol) }
            }
            if profile.country.value != 0 && !names.contains(profile.country.value) {
                missingNames.append(profile.country.value)
            }
            if profile.device.value != 0 && !names.contains(profile.device.value) {
                missingNames.append(profile.device.value)
            }
            if profile.lang.value != 0 && !names.contains(profile.lang.value) {
                missingNames.append(profile.lang.value)
            }
        }
        var names = self.names
        var view = self.view
        self.names = SymbolNames()  // moved out while filling, so the arrays stay uniquely referenced
        self.view = CandidateView()
        view.reset()
        catalog.withState { state in
            for symbol in missingNames { names.learn(symbol, from: state.symbols) }
            view.capturePopular(from: state, names: &names)
            for tag in interestTags { view.capture(tag: tag, from: state, names: &names) }
        }
        self.names = names
        self.view = view
    }

    private mutating func renderProfile(_ profile: Profile, index: Int, at asOf: Int64, into json: inout JSONWriter) {
        let tags = tops[topStarts[index]..<topStarts[index + 1]]
        authorTops.removeAll(keepingCapacity: true)
        profile.appendTop(configuration.topN, authors: true, to: &authorTops)
        ProfileRenderer.render(
            profile, at: asOf, tags: tags, authors: authorTops[...], names: names, configuration: configuration,
            into: &json)
    }

    private mutating func renderRecommendations(
        _ profile: Profile, index: Int, at asOf: Int64, into json: inout JSONWriter
    ) {
        let interests = tops[topStarts[index]..<topStarts[index + 1]].prefix(configuration.interestsForRecommendations)
        recommender.recommend(
            for: profile, interests: interests, at: asOf, view: view, names: names, configuration: configuration)
        recommender.render(userId: profile.userId, version: profile.version, asOf: asOf, names: names, into: &json)
    }
}
