#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The decay law of CONTRACT §4: a term of weight w at time ts is worth w · 2^(−(t − ts) / H) at t.
///
/// Values are kept in Double: a profile sums up to thousands of terms of mixed sign, and Float's
/// 24-bit mantissa (≈6e-8 per operation) would put the order-independence bound of 1e-6 within
/// reach of the accumulated rounding after a few hundred events; Double keeps it near 1e-13. The
/// cost is 12 bytes per score entry instead of 8.
enum Decay {
    /// Rebase a reference time once a new term would be scaled by more than 2^32.
    static let rebaseExponent: Double = 32

    @inline(__always)
    static func exp2(_ x: Double) -> Double {
        libmExp2(x)
    }

    /// The factor that carries a value stated at `from` to a value stated at `to`.
    @inline(__always)
    static func factor(from: Int64, to: Int64, halfLifeMs: Double) -> Double {
        libmExp2(-Double(to - from) / halfLifeMs)
    }
}

@inline(__always)
private func libmExp2(_ x: Double) -> Double {
    #if canImport(Glibc)
    Glibc.exp2(x)
    #else
    Darwin.exp2(x)
    #endif
}
