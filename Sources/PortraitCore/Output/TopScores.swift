/// A profile's top tags or authors for rendering, read through a pointer into the store's slab.
///
/// Selection: value descending, then key; positive values only (`Profile.top` uses it too). Through a
/// pointer it never copies the `Profile`: calling a method on `pointee` does (a retain and a release per
/// array and the user id), which `perf` showed as `ProfileVwcp` under `EmissionRenderer.gather`. It also
/// visits only the tag or the author half of the scores (tags sort first: the author flag is the high bit).
enum TopScores {
    /// Appends the best `n` tags (or authors) of `profile` to `result`, best first.
    static func append(
        _ n: Int, authors: Bool, of profile: UnsafePointer<Profile>, to result: inout [Profile.ScoreEntry]
    ) {
        guard n > 0 else { return }
        profile.withScores { scores in
            let split = Int(profile.pointee.tagCount)
            let part = authors ? UnsafeBufferPointer(rebasing: scores[split...]) : UnsafeBufferPointer(rebasing: scores[..<split])
            let capacity = min(n, part.count)
            guard capacity > 0 else { return }
            // Insertion into a small stack buffer: no uniqueness or bounds check on `result` per entry.
            withUnsafeTemporaryAllocation(of: Profile.ScoreEntry.self, capacity: capacity) { best in
                var filled = 0
                for entry in part where entry.value > 0 {
                    var index: Int
                    if filled == capacity {
                        guard ranks(entry, before: best[capacity - 1]) else { continue }
                        index = capacity - 1
                    } else {
                        index = filled
                        filled += 1
                    }
                    while index > 0, ranks(entry, before: best[index - 1]) {
                        best[index] = best[index - 1]
                        index -= 1
                    }
                    best[index] = entry
                }
                result.append(contentsOf: UnsafeBufferPointer(rebasing: best[..<filled]))
            }
        }
    }

    @inline(__always)
    private static func ranks(_ lhs: Profile.ScoreEntry, before rhs: Profile.ScoreEntry) -> Bool {
        let left = lhs.value
        let right = rhs.value
        return left > right || (left == right && lhs.key < rhs.key)
    }
}
