import Testing

@testable import PortraitCore

/// The decoder's flat output: copy-on-write sharing with the shards, strings in the arena, rollback of rejected
/// documents, and lookups of arena strings in the `String`-keyed tables.
@Suite struct InteractionBatchTests {
    static let nowMs: Int64 = 1_733_000_000_000
    let decoder = InteractionDecoder()

    func decode(_ text: String, into batch: inout InteractionBatch, offset: Int64 = 0) -> RejectReason? {
        Array(text.utf8).withUnsafeBytes {
            decoder.decode(
                $0, nowMs: Self.nowMs, position: InputPosition(partition: 1, offset: offset), appendingTo: &batch)
        }
    }

    func event(_ user: String, tags: [String]) -> String {
        let list = tags.map { "\"\($0)\"" }.joined(separator: ",")
        return #"{"user_id":"\#(user)","item_id":"item-\#(user)","type":"like","ts":1732999000000,"tags":[\#(list)]}"#
    }

    /// The consumer empties its batch and decodes the next poll while the shards still read the batch it submitted.
    @Test func aSubmittedCopyKeepsItsStringsWhileTheOriginalIsReused() {
        var batch = InteractionBatch()
        batch.reserveCapacity(4)
        for index in 0..<3 { #expect(decode(event("user-\(index)", tags: ["t\(index)"]), into: &batch) == nil) }
        let submitted = batch
        batch.removeAll(keepingCapacity: true)
        for index in 0..<200 {
            #expect(decode(event("other-user-with-a-long-id-\(index)", tags: ["x", "y"]), into: &batch) == nil)
        }
        #expect(submitted.count == 3)
        for index in 0..<3 {
            #expect(submitted[index].event.userId == "user-\(index)")
            #expect(submitted[index].event.tags == ["t\(index)"])
        }
        #expect(batch[199].event.userId == "other-user-with-a-long-id-199")
    }

    @Test func escapedLongAndMultibyteStringsAreStoredDecoded() throws {
        var batch = InteractionBatch()
        let long = String(repeating: "abcdefghij", count: 25)  // 250 bytes
        let text = #"{"user_id":"a\"b\u00e9\ud83d\ude00","item_id":"\#(long)","type":"view","ts":1732999000000,"#
            + #""tags":["x\n","é","0123456789abcdef"],"country":"","lang":"pt\/BR"}"#
        #expect(decode(text, into: &batch) == nil)
        let event = batch[0].event
        #expect(event.userId == "a\"bé😀")
        #expect(event.itemId == long)
        #expect(event.tags == ["x\n", "é", "0123456789abcdef"])
        #expect(event.country == "")
        #expect(event.device == nil)
        #expect(event.lang == "pt/BR")
        let stored = batch.events[0]
        #expect(stored.user.hash == SeededStringHash.hash("a\"bé😀", seed: SeededStringHash.processSeed))
        #expect(stored.item.hash == SeededStringHash.hash(long, seed: SeededStringHash.processSeed))
    }

    @Test func aRejectedDocumentLeavesNothingBehind() {
        var batch = InteractionBatch()
        #expect(decode(event("kept", tags: ["a"]), into: &batch) == nil)
        let bytes = batch.bytes.count
        // Strings and tags are appended before the missing `type` is noticed.
        let rejected = #"{"user_id":"gone-with-a-long-user-id","item_id":"i","ts":1732999000000,"tags":["p","q"]}"#
        #expect(decode(rejected, into: &batch)?.code == "missing_field:type")
        #expect(batch.count == 1 && batch.bytes.count == bytes && batch.tags.count == 1)
        #expect(decode(event("next", tags: ["b"]), into: &batch) == nil)
        #expect(batch[1].event.userId == "next" && batch[1].event.tags == ["b"])
        #expect(batch[0].event.tags == ["a"])
    }

    @Test func aRepeatedTagsKeyReplacesTheEarlierTags() {
        var batch = InteractionBatch()
        let text = #"{"user_id":"u","item_id":"i","type":"like","ts":1732999000000,"tags":["a","b"],"tags":["c"]}"#
        #expect(decode(text, into: &batch) == nil)
        #expect(batch[0].event.tags == ["c"])
        let nullLast = #"{"user_id":"u","item_id":"i","type":"like","ts":1732999000000,"tags":["a"],"tags":null}"#
        #expect(decode(nullLast, into: &batch) == nil)
        #expect(batch[1].event.tags == nil)
        #expect(batch.tags.count == 1)
    }

    /// Arena strings find the entries that `String`s made: inline ASCII, heap and non-ASCII keys alike.
    @Test func arenaStringsFindTheirStringKeys() {
        let names = [
            "a", "tag-7", "0123456789abcde", "0123456789abcdef", "é", "ünïcödé-tag", String(repeating: "z", count: 40),
        ]
        var map = StringIdMap()
        for (index, name) in names.enumerated() { map.insert(name, UInt32(index + 1)) }
        let batch = InteractionBatch(
            [names, ["absent", "0123456789abcd"]].map {
                PositionedInteraction(event: Interaction(userId: "u", itemId: "i", type: .view, timestamp: 0, tags: $0))
            })
        batch.withView { view in
            for (index, name) in names.enumerated() {
                #expect(map[view.tags[index], in: view] == UInt32(index + 1), "\(name)")
            }
            #expect(map[view.tags[names.count], in: view] == nil)
            #expect(map[view.tags[names.count + 1], in: view] == nil)
        }
    }
}
