import Testing

@testable import PortraitCore

@Suite struct SmallASCIIStringTests {
    @Test func layoutHoldsOnThisPlatform() {
        #expect(SmallASCIIString.isAvailable)
    }

    @Test(arguments: 0...15)
    func inlineStringsEqualStandardOnes(length: Int) throws {
        try #require(SmallASCIIString.isAvailable)
        var rng = SplitMix64(seed: UInt64(length))
        for _ in 0..<50 {
            let bytes = (0..<length).map { _ in UInt8(rng.nextInt(below: 128)) }
            let standard = String(decoding: bytes, as: UTF8.self)
            let padded = bytes + [UInt8](repeating: 0xAB, count: 16)
            let loaded = padded.withUnsafeBufferPointer {
                SmallASCIIString.make(readable16: $0.baseAddress!, count: length)
            }
            let copied = padded.withUnsafeBufferPointer { SmallASCIIString.make($0.baseAddress!, count: length) }
            for built in [loaded, copied] {
                #expect(built == standard)
                #expect(Array(built.utf8) == bytes)
                #expect(built.hashValue == standard.hashValue)
                #expect(built.count == standard.count)
                #expect((built + "!") == (standard + "!"))
                #expect(Set([built, standard]).count == 1)
            }
        }
    }

    /// The per-event symbol lookups hash and compare inline strings by their two words: a standard string and one
    /// built from the same bytes must give the same words, and the words' hash must equal the bytes' hash.
    @Test(arguments: 0...15)
    func wordsAreCanonicalAndHashLikeTheBytes(length: Int) throws {
        try #require(SmallASCIIString.isAvailable)
        var rng = SplitMix64(seed: UInt64(100 + length))
        let seed = SeededStringHash.randomSeed()
        for _ in 0..<50 {
            let bytes = (0..<length).map { _ in UInt8(rng.nextInt(below: 128)) }
            let standard = String(decoding: bytes, as: UTF8.self)
            let padded = bytes + [UInt8](repeating: 0xCD, count: 16)
            let built = padded.withUnsafeBufferPointer { SmallASCIIString.make(readable16: $0.baseAddress!, count: length) }
            let words = try #require(SmallASCIIString.words(of: standard))
            let builtWords = try #require(SmallASCIIString.words(of: built))
            #expect(words == builtWords)
            let fromBytes = SeededStringHash.hash(bytesOf: standard, seed: seed)
            #expect(SeededStringHash.hash(standard, seed: seed) == fromBytes)
            #expect(SeededStringHash.hash(low: words.low, high: words.high, seed: seed) == fromBytes)
        }
    }

    @Test func heapAndNonASCIIStringsHaveNoWords() {
        #expect(SmallASCIIString.words(of: String(repeating: "x", count: 16)) == nil)
        #expect(SmallASCIIString.words(of: "é") == nil)
        #expect(SmallASCIIString.words(of: "ab") != nil)
        let long = "user-0123456789-abcdef"
        #expect(SeededStringHash.hash(long, seed: 7) == SeededStringHash.hash(bytesOf: long, seed: 7))
    }
}
