/// The address of `array`'s first element, read from the array's storage reference in place: no retain, no
/// uniqueness check. For prefetch hints only — a prefetch never faults, so a wrong address costs the hint, not
/// correctness; `PrefetchTests` checks that the address is the real one on the platforms the package builds for.
///
/// `withUnsafeBufferPointer` would do, but it retains and releases the array's storage: an atomic read-modify-write
/// on the very cache line the prefetch is meant to fetch ahead of time (`perf`: retain/release went from 6 % to
/// 14 % of the shards' apply time).
@inline(__always)
func elementsAddress<Element>(_ array: inout [Element]) -> UnsafeRawPointer {
    // A native array is one reference to its storage object, whose elements follow a 32-byte header (object
    // header, count, capacity).
    withUnsafeMutablePointer(to: &array) { UnsafeRawPointer($0).load(as: UnsafeRawPointer.self) + 32 }
}
