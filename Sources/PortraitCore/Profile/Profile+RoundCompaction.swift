extension Profile {
    /// Words of headroom `compactLeavingHeadroom` leaves beyond `count / 8`: about one event's growth
    /// (three new score entries are nine words, plus a seen item and a couple of window buckets).
    static let headroomWords = 12

    /// Gives back array slack after an emission, like `compact()`, but leaves a little headroom.
    ///
    /// With `emit_interval_ms = 0` a profile is emitted after every part that touches it; trimming its
    /// words to the exact count made the next event's insert reallocate them again, and the next
    /// round trim them again (two reallocations per event). Shrinking to
    /// `count + count / 8 + headroomWords` lets the next few events grow in place. The trigger is a
    /// capacity above `count + count / 4 + headroomWords + WordArrayGrowth.minimumGrowth`, so memory after a
    /// round stays within that bound, and an array just grown by `WordArrayGrowth` (a quarter plus
    /// `minimumGrowth`) is left alone rather than trimmed and grown again.
    mutating func compactLeavingHeadroom() {
        func shrink(_ array: inout [UInt32], headroom: Int, slack: Int) {
            guard array.capacity > array.count + array.count / 4 + slack else { return }
            if array.isEmpty {
                array = []
                return
            }
            var trimmed: [UInt32] = []
            trimmed.reserveCapacity(array.count + array.count / 8 + headroom)
            trimmed.append(contentsOf: array)
            array = trimmed
        }
        shrink(&words, headroom: Self.headroomWords, slack: Self.headroomWords + WordArrayGrowth.minimumGrowth)
        shrink(&blocked, headroom: 2, slack: 2)
    }
}
