/// The publisher's bookkeeping of emission rounds in flight: which records each round still waits for, and
/// which input tokens it releases once they are all acknowledged.
///
/// A shard sends a large round in pieces (`EmissionRound.continues`), so that it never holds a whole round's
/// records at once; every piece but the last has no tokens. The pieces of one shard's round share one entry:
/// its tokens are released only when the last piece has arrived **and** every record of every piece is
/// acknowledged — a token's users may have been rendered in any piece, and acknowledgements of different
/// partitions arrive in any order.
///
/// Not thread-safe: the publisher keeps it behind its lock.
struct EmissionRoundTable {
    private struct Round {
        var remaining = 0
        var tokens: [UInt64] = []
        /// The last piece has arrived.
        var closed = false
    }

    private var next: UInt64 = 1
    private var open: [UInt64: Round] = [:]
    /// Per shard, the round whose pieces are still arriving.
    private var receiving: [Int: UInt64] = [:]

    /// Rounds not yet released.
    var count: Int { open.count }

    /// Adds a piece of `records` records; returns the round's id for their delivery tokens, and the tokens to
    /// release now if the round is already done (a last piece without records, every earlier one acknowledged).
    mutating func add(
        shard: Int, records: Int, tokens: [UInt64], continues: Bool
    ) -> (id: UInt64, released: [UInt64]?) {
        let id: UInt64
        if let receiving = receiving[shard] {
            id = receiving
        } else {
            id = next
            next += 1
            open[id] = Round()
        }
        open[id]!.remaining += records
        if continues {
            receiving[shard] = id
            return (id, nil)
        }
        receiving[shard] = nil
        open[id]!.tokens = tokens
        open[id]!.closed = true
        return (id, releaseIfDone(id))
    }

    /// Counts `count` acknowledged records of round `id`; returns its tokens if that completed it.
    mutating func acknowledge(_ id: UInt64, count: Int) -> [UInt64]? {
        guard open[id] != nil else { return nil }
        open[id]!.remaining -= count
        return releaseIfDone(id)
    }

    private mutating func releaseIfDone(_ id: UInt64) -> [UInt64]? {
        guard let round = open[id], round.closed, round.remaining <= 0 else { return nil }
        open[id] = nil
        return round.tokens
    }
}
