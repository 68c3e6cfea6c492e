import Testing

@testable import PortraitService

/// The round table releases a round's input tokens only when all of its records are acknowledged — across the
/// pieces of a large round, in whatever order the acknowledgements come.
@Suite struct EmissionRoundTableTests {
    @Test func aRoundReleasesItsTokensWithItsLastAcknowledgement() {
        var table = EmissionRoundTable()
        let (id, released) = table.add(shard: 0, records: 4, tokens: [7, 8], continues: false)
        #expect(released == nil)
        #expect(table.acknowledge(id, count: 3) == nil)
        #expect(table.acknowledge(id, count: 1) == [7, 8])
        #expect(table.count == 0)
        #expect(table.acknowledge(id, count: 1) == nil, "a released round is forgotten")
    }

    @Test func aRoundWithoutRecordsReleasesAtOnce() {
        var table = EmissionRoundTable()
        #expect(table.add(shard: 1, records: 0, tokens: [3], continues: false).released == [3])
        #expect(table.count == 0)
    }

    @Test func piecesShareOneRoundAndWaitForTheLastPiece() {
        var table = EmissionRoundTable()
        let first = table.add(shard: 0, records: 4, tokens: [], continues: true)
        // Another shard's round in between is its own.
        let other = table.add(shard: 1, records: 2, tokens: [9], continues: false)
        #expect(other.id != first.id)
        // Every record of the first piece is acknowledged before the last piece arrives: nothing is released.
        #expect(table.acknowledge(first.id, count: 4) == nil)
        let second = table.add(shard: 0, records: 2, tokens: [], continues: true)
        let last = table.add(shard: 0, records: 2, tokens: [1, 2], continues: false)
        #expect(second.id == first.id && last.id == first.id)
        #expect(last.released == nil)
        #expect(table.acknowledge(first.id, count: 2) == nil)
        #expect(table.acknowledge(other.id, count: 2) == [9])
        #expect(table.acknowledge(first.id, count: 2) == [1, 2])
        // The shard's next round starts afresh.
        let next = table.add(shard: 0, records: 2, tokens: [4], continues: false)
        #expect(next.id != first.id)
        #expect(table.count == 1)
    }

    @Test func anEmptyLastPieceReleasesOnceTheEarlierPiecesAreAcknowledged() {
        var table = EmissionRoundTable()
        let first = table.add(shard: 2, records: 2, tokens: [], continues: true)
        #expect(table.acknowledge(first.id, count: 2) == nil)
        #expect(table.add(shard: 2, records: 0, tokens: [5], continues: false).released == [5])
    }
}
