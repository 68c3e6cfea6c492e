#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif

/// Samples ranks `0..<count` with probability proportional to `1 / (rank + 1)^exponent`.
///
/// Sampling uses Vose's alias method: one random word picks a column and a threshold, O(1) with two memory
/// reads, so the generator stays far faster than anything it feeds. The cumulative distribution is kept for
/// `probability(of:)`.
public struct ZipfDistribution: Sendable {
    /// Per column: keep the column when the low 32 random bits are below `threshold`, else take `alias`.
    @usableFromInline struct Column: Sendable {
        @usableFromInline var threshold: UInt32
        @usableFromInline var alias: UInt32
    }

    @usableFromInline let columns: [Column]
    /// `cdf[i]` is P(rank ≤ i); the last element is 1.
    let cdf: [Double]

    public init(count: Int, exponent: Double) {
        precondition(count > 0 && count <= Int(UInt32.max), "a Zipf distribution needs 1…2^32-1 ranks")
        var weights = [Double](repeating: 0, count: count)
        var total = 0.0
        for rank in 0..<count {
            weights[rank] = Self.weight(rank: rank, exponent: exponent)
            total += weights[rank]
        }
        var cdf = [Double](repeating: 0, count: count)
        var running = 0.0
        for rank in 0..<count {
            running += weights[rank] / total
            cdf[rank] = running
        }
        cdf[count - 1] = 1
        self.cdf = cdf

        // Vose: scale to mean 1, pair each under-full column with an over-full one.
        var scaled = weights.map { $0 * Double(count) / total }
        var columns = (0..<count).map { Column(threshold: .max, alias: UInt32($0)) }
        var small = (0..<count).filter { scaled[$0] < 1 }
        var large = (0..<count).filter { scaled[$0] >= 1 }
        while let under = small.popLast(), let over = large.popLast() {
            columns[under] = Column(
                threshold: UInt32(min(scaled[under] * 4_294_967_296.0, 4_294_967_295.0)),
                alias: UInt32(over)
            )
            scaled[over] -= 1 - scaled[under]
            if scaled[over] < 1 { small.append(over) } else { large.append(over) }
        }
        // Whatever remains is full up to rounding: always keep the column.
        self.columns = columns
    }

    public var count: Int { cdf.count }

    /// The probability of `rank`.
    public func probability(of rank: Int) -> Double {
        rank == 0 ? cdf[0] : cdf[rank] - cdf[rank - 1]
    }

    /// Draws one rank.
    @inlinable
    public func sample(using rng: inout SplitMix64) -> Int {
        let bits = rng.next()
        return columns.withUnsafeBufferPointer { columns in
            let column = Int(truncatingIfNeeded: ((bits >> 32) &* UInt64(columns.count)) >> 32)
            let entry = columns[column]
            return UInt32(truncatingIfNeeded: bits) < entry.threshold ? column : Int(entry.alias)
        }
    }

    private static func weight(rank: Int, exponent: Double) -> Double {
        exponent == 1 ? 1 / Double(rank + 1) : 1 / pow(Double(rank + 1), exponent)
    }
}
