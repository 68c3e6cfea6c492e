/// A shard's popularity increments not yet merged into the shared catalog.
///
/// Applying an event adds `w · 2^((ts − reference) / H)` to its item here, without the catalog
/// lock; `CatalogState.merge(_:)` adds each item's sum once (and offers it to the candidate lists
/// once), when the shard cuts a round or answers a recommendation query. Zipf traffic repeats
/// items, so a round merges far fewer entries than it applied events, and the shared lock is held
/// that much shorter.
struct PopularityDeltas {
    /// The time the sums are stated against (the first increment's `ts`).
    private(set) var reference: Int64?
    private(set) var sums: [UInt32: Double] = [:]
    let halfLifeMs: Double

    init(halfLifeMs: Double) {
        self.halfLifeMs = halfLifeMs
    }

    var isEmpty: Bool { sums.isEmpty }

    /// Adds one interaction; returns `false` (adding nothing) when `ts` is too far past the
    /// reference, so the caller merges first and retries on an empty set.
    mutating func add(item: UInt32, weight: Double, at ts: Int64) -> Bool {
        guard weight > 0 else { return true }
        if reference == nil { reference = ts }
        let exponent = Double(ts - reference!) / halfLifeMs
        guard exponent <= Decay.rebaseExponent else { return false }
        sums[item, default: 0] += weight * Decay.exp2(exponent)
        return true
    }

    mutating func removeAll() {
        sums.removeAll(keepingCapacity: true)
        reference = nil
    }
}

extension CatalogState {
    /// Adds a shard's pending popularity to the items (tombstoned items ignore it) and empties it.
    mutating func merge(_ deltas: inout PopularityDeltas) {
        guard let deltaReference = deltas.reference, !deltas.isEmpty else { return }
        if reference == nil { reference = deltaReference }
        var exponent = Double(deltaReference - reference!) / halfLifeMs
        if exponent > Decay.rebaseExponent {
            rebase(to: deltaReference)
            exponent = 0
        }
        let factor = Decay.exp2(exponent)
        for (item, sum) in deltas.sums {
            guard let index = items.index(forKey: item), !items.values[index].removed else { continue }
            items.values[index].popularity += sum * factor
            offerToLists(item: item, record: items.values[index])
        }
        deltas.removeAll()
    }
}
