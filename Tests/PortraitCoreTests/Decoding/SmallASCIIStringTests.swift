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
}
