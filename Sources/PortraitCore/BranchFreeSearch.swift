/// Binary search without data-dependent branches, for the per-event searches over a profile's score and window
/// regions.
enum BranchFreeSearch {
    /// The number of leading positions of `0..<count` for which `isBelow` holds (they must form a prefix): each
    /// step picks the half with a conditional move. A profile's regions are a cold cache line away, and a
    /// mispredicted branch per level cost more than the search itself.
    ///
    /// The steps are written out rather than looped: LLVM's x86 back end turns a conditional move on a loop's
    /// critical path back into a branch (perf showed the mispredictions: a quarter of `Profile.apply`'s own time),
    /// but leaves straight-line code alone. Eight steps cover 256 entries, the default cap per kind; longer ranges
    /// first halve in a loop. With the entries in cache (a micro-benchmark on random keys): 20–22 ns instead of
    /// 34–50 for 8–16 entries, 68–110 instead of 110–130 for 256. In the engine benchmark, where most profiles are a
    /// cache miss away and each level then waits for its load, the whole apply measured the same either way.
    @inline(__always)
    static func partitionPoint(count: Int, _ isBelow: (Int) -> Bool) -> Int {
        var first = 0
        var length = count
        while length > 256 {
            let half = length / 2
            first = isBelow(first &+ half) ? first &+ half : first
            length -= half
        }
        @inline(__always) func step() {
            if length > 1 {
                let half = length / 2
                first = isBelow(first &+ half) ? first &+ half : first
                length -= half
            }
        }
        step(); step(); step(); step(); step(); step(); step(); step()
        return length == 1 && isBelow(first) ? first &+ 1 : first
    }
}
