import Foundation
import PortraitService
import Synchronization

/// How much a second thread adds on this machine right now: the same fixed integer work on one thread,
/// then on two at once, as a throughput ratio (2.0 = two free cores).
///
/// The engine's 2-shard scaling is only meaningful next to it: on a shared VM the second vCPU is often
/// partly taken (a hyperthread sibling or steal time), and then no program scales to 2×.
enum ParallelismProbe {
    /// Best of `rounds` alternating measurements of each (a transient neighbour then spoils one sample, not
    /// the ratio).
    static func ratio(iterations: UInt64 = 150_000_000, rounds: Int = 3) -> Double {
        var alone = Double.infinity
        var together = Double.infinity
        for _ in 0..<rounds {
            alone = min(alone, seconds { work(iterations) })
            together = min(together, seconds {
                let group = DispatchGroup()
                for _ in 0..<2 {
                    group.enter()
                    Thread.detachNewThread {
                        work(iterations)
                        group.leave()
                    }
                }
                group.wait()
            })
        }
        return 2 * alone / together
    }

    /// Seeds and results go through an atomic: the work is pure, and the optimiser otherwise hoists it out
    /// of the timed region or drops it.
    private static let sink = Atomic<UInt64>(1)

    private static func work(_ iterations: UInt64) {
        sink.store(spin(iterations, seed: sink.load(ordering: .relaxed)), ordering: .relaxed)
    }

    /// A dependent chain of xorshift steps (~0.4 s for 150M on this machine). A multiply-add chain looked
    /// equivalent but LLVM computes it in closed form.
    @inline(never)
    static func spin(_ iterations: UInt64, seed: UInt64) -> UInt64 {
        var x: UInt64 = seed | 1
        for _ in 0..<iterations {
            x ^= x &<< 13
            x ^= x &>> 7
            x ^= x &<< 17
        }
        return x
    }

    private static func seconds(_ body: () -> Void) -> Double {
        let start = ContinuousClock.now
        body()
        return (ContinuousClock.now - start).inSeconds
    }
}
