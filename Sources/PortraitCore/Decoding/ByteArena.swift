/// The string bytes of an `InteractionBatch`: one growable buffer, shared copy-on-write.
///
/// Unlike a `[UInt8]`, it keeps 16 bytes of slack past its last byte. So a string of up to 16 bytes is copied in
/// as two word loads and stores (`Array.append(contentsOf:)` called `memmove` for each 5–15-byte id: ~3 % of
/// decode + apply), and a reader may load the two words from any string's start, with no bounds checks.
struct ByteArena: Sendable {
    /// The buffer: immutable once shared (bytes are written only while the arena holds the one reference).
    private final class Storage: @unchecked Sendable {
        let base: UnsafeMutablePointer<UInt8>
        /// Usable bytes; 16 more are allocated past them.
        let capacity: Int

        /// Only the slack is zeroed: readers mask what they load past a string, and zeroing the rest would touch
        /// every page of each batch's new buffer up front.
        init(capacity: Int) {
            self.capacity = capacity
            base = .allocate(capacity: capacity + ByteArena.slack)
            (base + capacity).initialize(repeating: 0, count: ByteArena.slack)
        }

        deinit { base.deallocate() }

        static let empty = Storage(capacity: 0)
    }

    static let slack = 16

    private var storage = Storage.empty
    private(set) var count = 0

    init() {}

    /// The first byte; `count + 16` bytes from it are readable.
    var base: UnsafePointer<UInt8> { UnsafePointer(storage.base) }

    var capacity: Int { storage.capacity }

    /// Makes the buffer this arena's own, with room for `length` more bytes: call before appending (the appends
    /// check the room again, not the sharing, which costs a call per string).
    @inline(__always)
    mutating func prepareToAppend(_ length: Int) {
        if count &+ length > storage.capacity {
            grow(adding: length)
        } else if !isKnownUniquelyReferenced(&storage) {
            reallocate(capacity: storage.capacity)
        }
    }

    mutating func removeAll(keepingCapacity: Bool) {
        count = 0
        if !keepingCapacity {
            storage = .empty
        } else if !isKnownUniquelyReferenced(&storage) {
            storage = Storage(capacity: storage.capacity)
        }
    }

    /// Forgets the bytes from `newCount` on (nothing else refers to them: they were appended since).
    mutating func removeLast(from newCount: Int) {
        precondition(newCount >= 0 && newCount <= count)
        count = newCount
    }

    /// Appends `length` bytes from `source`, of which `readable` (at least `length`) may be read; returns where they
    /// start. Call `prepareToAppend` first.
    @inline(__always)
    mutating func append(_ source: UnsafePointer<UInt8>, length: Int, readable: Int) -> Int {
        let destination = reserveAppend(length)
        if length <= 16, readable >= 16 {
            // Two words, whatever the length: the bytes past it land in the slack or are overwritten next.
            let raw = UnsafeRawPointer(source)
            let low = raw.loadUnaligned(as: UInt64.self)
            let high = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            UnsafeMutableRawPointer(destination).storeBytes(of: low, as: UInt64.self)
            UnsafeMutableRawPointer(destination + 8).storeBytes(of: high, as: UInt64.self)
        } else {
            destination.update(from: source, count: length)
        }
        let offset = count
        count &+= length
        return offset
    }

    /// Appends `length` bytes written by `body` (given where they go); returns where they start. Call
    /// `prepareToAppend` first.
    mutating func append(length: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Void) -> Int {
        body(reserveAppend(length))
        let offset = count
        count &+= length
        return offset
    }

    /// Where `length` more bytes go, with the slack after them. The buffer must be this arena's own
    /// (`prepareToAppend`); a new one, when it lacks room, is.
    @inline(__always)
    private mutating func reserveAppend(_ length: Int) -> UnsafeMutablePointer<UInt8> {
        if count &+ length > storage.capacity { grow(adding: length) }
        assert(isKnownUniquelyReferenced(&storage), "ByteArena: append without prepareToAppend")
        return storage.base + count
    }

    /// A new buffer with room for `length` more bytes: at least double the capacity, at least 4 KiB.
    private mutating func grow(adding length: Int) {
        reallocate(capacity: max(count + length, storage.capacity * 2, 4_096))
    }

    private mutating func reallocate(capacity: Int) {
        let new = Storage(capacity: capacity)
        new.base.update(from: storage.base, count: count)
        storage = new
    }
}
