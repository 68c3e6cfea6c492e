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
    private(set) var sums = ItemSums()
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
        sums.add(weight * Decay.exp2(exponent), to: item)
        return true
    }

    mutating func removeAll() {
        sums.removeAll()
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
        deltas.sums.forEach { item, sum in
            guard items.isLive(item) else { return }
            items[item]!.popularity += sum * factor
            offerToLists(item: item, record: items[item]!)
        }
        deltas.removeAll()
    }
}

/// Sums per item id: open addressing with linear probing over two parallel arrays, keys hashed by one multiply.
///
/// Replaces a `[UInt32: Double]`, whose SipHash per event (`Hasher`) and generic probing were a tenth of the
/// shard's per-event bookkeeping. Keys are symbol ids (never 0, which marks an empty slot), handed out in
/// sequence, so Fibonacci hashing spreads them.
struct ItemSums {
    private var keys: [UInt32] = [UInt32](repeating: 0, count: 64)
    private var values: [Double] = [Double](repeating: 0, count: 64)
    private var shift: UInt64 = 64 - 6
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// Adds `value` to the sum of `key` (≠ 0), creating it at 0.
    mutating func add(_ value: Double, to key: UInt32) {
        assert(key != 0, "0 marks an empty slot")
        var index = slot(of: key)
        while true {
            let stored = keys[index]
            if stored == key {
                values[index] += value
                return
            }
            if stored == 0 { break }
            index = (index &+ 1) & (keys.count &- 1)
        }
        if (count + 1) * 4 > keys.count * 3 {
            grow()
            add(value, to: key)
            return
        }
        keys[index] = key
        values[index] = value
        count += 1
    }

    func forEach(_ body: (UInt32, Double) -> Void) {
        for index in keys.indices where keys[index] != 0 { body(keys[index], values[index]) }
    }

    /// Empties the table. One that was mostly empty shrinks (to about twice this round's count), so a table grown
    /// during a burst is not cleared in full at every later, small round.
    mutating func removeAll() {
        guard count > 0 else { return }
        if keys.count > 64, count * 8 < keys.count {
            var size = 64
            while size < count * 2 { size *= 2 }
            keys = [UInt32](repeating: 0, count: size)
            values = [Double](repeating: 0, count: size)
            shift = 64 - UInt64(size.trailingZeroBitCount)
        } else {
            for index in keys.indices { keys[index] = 0 }
        }
        count = 0
    }

    @inline(__always)
    private func slot(of key: UInt32) -> Int {
        Int(truncatingIfNeeded: (UInt64(key) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldValues = values
        keys = [UInt32](repeating: 0, count: oldKeys.count * 2)
        values = [Double](repeating: 0, count: oldKeys.count * 2)
        shift -= 1
        count = 0
        for index in oldKeys.indices where oldKeys[index] != 0 {
            var slot = slot(of: oldKeys[index])
            while keys[slot] != 0 { slot = (slot &+ 1) & (keys.count &- 1) }
            keys[slot] = oldKeys[index]
            values[slot] = oldValues[index]
            count += 1
        }
    }
}
