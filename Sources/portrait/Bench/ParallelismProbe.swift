import Foundation

/// How much a second thread adds on this machine right now: the same fixed integer work on one thread,
/// then on two at once, as a throughput ratio (2.0 = two free cores).
///
/// The engine's 2-shard scaling is only meaningful next to it: on a shared VM the second vCPU is often
/// partly taken (a hyperthread sibling or steal time), and then no program scales to 2×.
enum ParallelismProbe {
    static func ratio(iterations: UInt64 = 400_000_000) -> Double {
        let alone = seconds { _ = spin(iterations) }
        let together = seconds {
            let group = DispatchGroup()
            for _ in 0..<2 {
                DispatchQueue.global().async(group: group) { _ = spin(iterations) }
            }
            group.wait()
        }
        return 2 * alone / together
    }

    /// A dependent chain of multiply-adds the optimiser cannot fold (the result depends on the count).
    @inline(never)
    static func spin(_ iterations: UInt64) -> UInt64 {
        var x: UInt64 = iterations
        for _ in 0..<iterations { x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407 }
        return x
    }

    private static func seconds(_ body: () -> Void) -> Double {
        let start = ContinuousClock.now
        body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}
