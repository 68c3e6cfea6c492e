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

    /// Lends the shard's copy of symbol names (e.g. to break ties at the caps while applying).
    mutating func withNames<Result>(_ body: (inout SymbolNames) -> Result) -> Result { body(&names) }

    private var topTagCount: Int { max(configuration.topN, configuration.interestsForRecommendations) }

    /// Renders one emission per slot (versions already bumped).
    ///
    /// Profiles are read in place from the store's slab, and every leaf takes an `UnsafePointer<Profile>`:
    /// handing `pointee` to a `borrowing` parameter copies the `Profile` (a retain and a release for
    /// each of its arrays and its user id), which `perf` showed as `ProfileVwcp` under `render`.
    mutating func render(_ slots: ArraySlice<Int32>, store: ProfileStore, catalog: ItemCatalog) -> [Emission] {
        guard !slots.isEmpty else { return [] }
        var emissions: [Emission] = []
        emissions.reserveCapacity(slots.count)
        // A chunk, or what the round's users need (rounds of a few users with `emit_interval_ms` 0).
        var records = JSONWriter(capacity: min(Self.chunkBytes, slots.count * 2_560) + 8_192)
        var state = JSONWriter(capacity: 1_024)
        // Per rendered user not yet in `emissions`: its slot, the end of its profile and of its recommendations
        // record in `records`, and its state.
        var pending: [(slot: Int32, profileEnd: Int, end: Int, state: [UInt8])] = []
        func takeChunk() {
            let chunk = records.take()
            var start = 0
            for user in pending {
                emissions.append(
                    Emission(
                        userId: store[user.slot].userId, partition: store[user.slot].partition,
                        version: store[user.slot].version, profile: chunk[start..<user.profileEnd],
                        recommendations: chunk[user.profileEnd..<user.end], state: user.state))
                start = user.end
            }
            pending.removeAll(keepingCapacity: true)
        }
        store.slab.withUnsafeBufferPointer { slab in
            guard let profiles = slab.baseAddress else { return }
            beginPrepare()
            for slot in slots { gather(profiles + Int(slot)) }
            capture(from: catalog)
            for (index, slot) in slots.enumerated() {
                let profile = profiles + Int(slot)
                let asOf = profile.pointee.asOf
                renderProfile(profile, index: index, at: asOf, into: &records)
                let profileEnd = records.count
                renderRecommendations(profile, index: index, at: asOf, into: &records)
                ProfileStateWriter.encode(profile, names: names, into: &state)
                pending.append((slot, profileEnd, records.count, state.take()))
                if records.count >= Self.chunkBytes { takeChunk() }
            }
        }
        if !pending.isEmpty { takeChunk() }
        return emissions
    }

    /// Records of a round are rendered into arrays of about this size, which the emissions slice: one allocation
    /// per few dozen users, each small enough for malloc to serve from (and return to) its free lists — a
    /// round-sized array (tens of MB at a 1 s interval under load) would be fresh pages every round.
    static let chunkBytes = 64 * 1_024

    /// The §4 record of one profile stated at `at` (or its own `as_of`).
    mutating func profileJSON(_ profile: Profile, at: Int64?, catalog: ItemCatalog) -> [UInt8] {
        var json = JSONWriter(capacity: 2_048)
        withUnsafePointer(to: profile) { profile in
            prepare(profile, catalog: catalog)
            renderProfile(profile, index: 0, at: max(at ?? profile.pointee.asOf, profile.pointee.asOf), into: &json)
        }
        return json.take()
    }

    /// The §5 record of one profile stated at `at` (or its own `as_of`).
    mutating func recommendationsJSON(_ profile: Profile, at: Int64?, catalog: ItemCatalog) -> [UInt8] {
        var json = JSONWriter(capacity: 2_048)
        withUnsafePointer(to: profile) { profile in
            prepare(profile, catalog: catalog)
            renderRecommendations(
                profile, index: 0, at: max(at ?? profile.pointee.asOf, profile.pointee.asOf), into: &json)
        }
        return json.take()
    }

    /// The encoded state of one profile (see `ProfileStateWriter`).
    mutating func encodedState(_ profile: Profile, catalog: ItemCatalog) -> [UInt8] {
        var out = JSONWriter(capacity: 1_024)
        withUnsafePointer(to: profile) { profile in
            prepare(profile, catalog: catalog)
            ProfileStateWriter.encode(profile, names: names, into: &out)
        }
        return out.take()
    }

    /// Prepares the names and candidate lists one profile needs (the queries' path).
    private mutating func prepare(_ profile: UnsafePointer<Profile>, catalog: ItemCatalog) {
        beginPrepare()
        gather(profile)
        capture(from: catalog)
    }

    private mutating func beginPrepare() {
        tops.removeAll(keepingCapacity: true)
        topStarts.removeAll(keepingCapacity: true)
        missingNames.removeAll(keepingCapacity: true)
        interestTags.removeAll(keepingCapacity: true)
        topStarts.append(0)
    }

    /// Computes the profile's top tags and notes every name it holds that the shard lacks, and the
    /// tags whose candidate lists it needs.
    private mutating func gather(_ profile: UnsafePointer<Profile>) {
        let start = tops.count
        TopScores.append(topTagCount, authors: false, of: profile, to: &tops)
        topStarts.append(tops.count)
        for entry in tops[start...].prefix(configuration.interestsForRecommendations) {
            interestTags.append(entry.symbol)
        }
        profile.withScores { scores in
            for entry in scores where !names.contains(entry.symbol) { missingNames.append(entry.symbol) }
        }
        profile.withSeen { names.appendMissing($0, to: &missingNames) }
        for key in profile.pointee.blocked {
            let symbol = key & ~Profile.ScoreEntry.authorFlag
            if !names.contains(symbol) { missingNames.append(symbol) }
        }
        if profile.pointee.countryValue != 0 && !names.contains(profile.pointee.countryValue) {
            missingNames.append(profile.pointee.countryValue)
        }
        if profile.pointee.deviceValue != 0 && !names.contains(profile.pointee.deviceValue) {
            missingNames.append(profile.pointee.deviceValue)
        }
        if profile.pointee.langValue != 0 && !names.contains(profile.pointee.langValue) {
            missingNames.append(profile.pointee.langValue)
        }
    }

    /// Copies, under one catalog lock, the missing names and the candidate lists `gather` noted.
    private mutating func capture(from catalog: ItemCatalog) {
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

    private mutating func renderProfile(_ profile: UnsafePointer<Profile>, index: Int, at asOf: Int64, into json: inout JSONWriter) {
        let tags = tops[topStarts[index]..<topStarts[index + 1]]
        authorTops.removeAll(keepingCapacity: true)
        TopScores.append(configuration.topN, authors: true, of: profile, to: &authorTops)
        ProfileRenderer.render(
            profile, at: asOf, tags: tags, authors: authorTops[...], names: names, configuration: configuration,
            into: &json)
    }

    private mutating func renderRecommendations(
        _ profile: UnsafePointer<Profile>, index: Int, at asOf: Int64, into json: inout JSONWriter
    ) {
        let interests = tops[topStarts[index]..<topStarts[index + 1]].prefix(configuration.interestsForRecommendations)
        recommender.recommend(
            for: profile, interests: interests, at: asOf, view: view, names: names, configuration: configuration)
        recommender.render(userId: profile.pointee.userId, version: profile.pointee.version, asOf: asOf, names: names, into: &json)
    }
}
