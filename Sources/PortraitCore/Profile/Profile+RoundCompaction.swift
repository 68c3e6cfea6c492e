extension Profile {
    /// Gives back array slack after an emission, like `compact()`, but leaves a little headroom.
    ///
    /// With `emit_interval_ms = 0` a profile is emitted after every part that touches it; trimming its
    /// arrays to the exact count made the next event's append reallocate them again, and the next
    /// round trim them again (two reallocations per array per event). Shrinking to
    /// `count + count / 8 + 2` lets the next few events append in place; the trigger is `compact()`'s
    /// (capacity above `count + count / 4 + 2`), so memory after a round stays within that bound.
    mutating func compactLeavingHeadroom() {
        func shrink<T>(_ array: inout [T]) {
            guard array.capacity > array.count + array.count / 4 + 2 else { return }
            if array.isEmpty {
                array = []
                return
            }
            var trimmed: [T] = []
            trimmed.reserveCapacity(array.count + array.count / 8 + 2)
            trimmed.append(contentsOf: array)
            array = trimmed
        }
        shrink(&scores)
        shrink(&seen)
        shrink(&blocked)
        shrink(&windows.entries)
    }
}
