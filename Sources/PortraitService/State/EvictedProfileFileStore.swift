import Foundation
import PortraitCore
import Synchronization

/// Keeps the full state of profiles evicted for memory on local disk, so that eviction is lossless
/// (issue 5): a returning user continues from exactly where they were.
///
/// One append-only file per process run in `state_dir/evicted/`, with an in-memory index from user id to
/// (offset, length, partition) — a few dozen bytes per evicted user instead of the whole profile. `take`
/// reads the record back with `pread` and forgets it; the space is reclaimed when the garbage passes half
/// of the file (the live records are copied into a fresh file). The file starts empty at every start-up:
/// after a restart the changelog and snapshots are the source of truth, and this store only holds what
/// this run evicted.
///
/// Thread safety: every operation holds one `Mutex`; shards call in from their queues concurrently.
final class EvictedProfileFileStore: EvictedProfileStore, Sendable {
    private struct Location {
        var offset: Int64
        var length: Int32
        var partition: Int32
    }

    private struct State {
        var fd: Int32
        var end: Int64 = 0
        var live: Int64 = 0
        var index: [String: Location] = [:]
    }

    private let path: String
    private let state: Mutex<State>

    init(directory: String) throws {
        let folder = URL(fileURLWithPath: directory).appendingPathComponent("evicted")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("profiles.\(getpid()).log").path
        // Leftovers of earlier runs are not read: the changelog supersedes them.
        for stale in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where stale.hasSuffix(".log") {
            unlink(folder.appendingPathComponent(stale).path)
        }
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        state = Mutex(State(fd: fd))
    }

    deinit {
        let fd = state.withLock { $0.fd }
        close(fd)
        unlink(path)
    }

    var count: Int { state.withLock { $0.index.count } }

    func store(userId: String, partition: Int32, state encoded: [UInt8]) {
        state.withLock { state in
            let written = encoded.withUnsafeBytes { pwrite(state.fd, $0.baseAddress, $0.count, off_t(state.end)) }
            guard written == encoded.count else { return }  // disk full: the changelog still has the user
            if let old = state.index[userId] { state.live -= Int64(old.length) }
            state.index[userId] = Location(offset: state.end, length: Int32(encoded.count), partition: partition)
            state.end += Int64(encoded.count)
            state.live += Int64(encoded.count)
        }
    }

    func take(userId: String) -> (partition: Int32, state: [UInt8])? {
        state.withLock { state in
            guard let location = state.index.removeValue(forKey: userId) else { return nil }
            state.live -= Int64(location.length)
            defer { compactIfWorthIt(&state) }
            return Self.read(state.fd, location).map { (location.partition, $0) }
        }
    }

    /// Every stored state of `partition`, for a snapshot (they are part of the partition's state).
    func states(partition: Int32) -> [(userId: String, state: [UInt8])] {
        state.withLock { state in
            state.index.compactMap { userId, location in
                guard location.partition == partition, let bytes = Self.read(state.fd, location) else { return nil }
                return (userId, bytes)
            }
        }
    }

    /// Forgets the stored users of `partitions` (revoked: the new owner restores them from the changelog).
    func drop(partitions: Set<Int32>) {
        state.withLock { state in
            for (userId, location) in state.index where partitions.contains(location.partition) {
                state.index[userId] = nil
                state.live -= Int64(location.length)
            }
            compactIfWorthIt(&state)
        }
    }

    private static func read(_ fd: Int32, _ location: Location) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: Int(location.length))
        let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(location.offset)) }
        return count == Int(location.length) ? bytes : nil
    }

    /// Rewrites the file with only the live records once more than half of it is garbage.
    private func compactIfWorthIt(_ state: inout State) {
        guard state.end > 64 << 20, state.live * 2 < state.end else { return }
        let temporary = path + ".compact"
        let fd = open(temporary, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        var end: Int64 = 0
        var index: [String: Location] = [:]
        for (userId, location) in state.index {
            guard let bytes = Self.read(state.fd, location) else { continue }
            let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(end)) }
            guard written == bytes.count else {
                close(fd)
                unlink(temporary)
                return
            }
            index[userId] = Location(offset: end, length: location.length, partition: location.partition)
            end += Int64(bytes.count)
        }
        guard rename(temporary, path) == 0 else {
            close(fd)
            unlink(temporary)
            return
        }
        close(state.fd)
        state = State(fd: fd, end: end, live: end, index: index)
    }
}
