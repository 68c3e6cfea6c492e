#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif

/// Samples ranks `0..<count` with probability proportional to `1 / (rank + 1)^exponent`.
///
/// The cumulative distribution is computed once and sampled by binary search, O(log n) per draw
/// with no allocation, which keeps the generator far faster than anything it feeds.
public struct ZipfDistribution: Sendable {
    /// `cdf[i]` is P(rank ≤ i); the last element is 1.
    @usableFromInline let cdf: [Double]

    public init(count: Int, exponent: Double) {
        precondition(count > 0, "a Zipf distribution needs at least one rank")
        var cdf = [Double](repeating: 0, count: count)
        var total = 0.0
        for rank in 0..<count {
            total += Self.weight(rank: rank, exponent: exponent)
            cdf[rank] = total
        }
        for rank in 0..<count { cdf[rank] /= total }
        cdf[count - 1] = 1
        self.cdf = cdf
    }

    public var count: Int { cdf.count }

    /// The probability of `rank`.
    public func probability(of rank: Int) -> Double {
        rank == 0 ? cdf[0] : cdf[rank] - cdf[rank - 1]
    }

    /// Draws one rank.
    @inlinable
    public func sample(using rng: inout SplitMix64) -> Int {
        let u = rng.nextUnit()
        return cdf.withUnsafeBufferPointer { cdf in
            var low = 0
            var high = cdf.count - 1
            while low < high {
                let mid = (low + high) >> 1
                if cdf[mid] > u { high = mid } else { low = mid + 1 }
            }
            return low
        }
    }

    private static func weight(rank: Int, exponent: Double) -> Double {
        exponent == 1 ? 1 / Double(rank + 1) : 1 / pow(Double(rank + 1), exponent)
    }
}
