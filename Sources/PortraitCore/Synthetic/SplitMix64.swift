/// A small, fast, seedable pseudo-random generator (SplitMix64, Steele/Lea/Flood 2014).
///
/// Synthetic traffic must be reproducible from a seed on every platform and Swift version, so it
/// uses its own generator rather than `SystemRandomNumberGenerator` or a seeded library type.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform `Double` in `[0, 1)` with 53 random bits.
    @inlinable
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform integer in `0..<bound` (Lemire's multiply-shift; bias below 2^-32 for our bounds).
    @inlinable
    public mutating func nextInt(below bound: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }
}
