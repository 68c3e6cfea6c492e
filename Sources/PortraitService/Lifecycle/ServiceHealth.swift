import Synchronization

/// What `/healthz`, `/readyz`, `sd_notify` and the status line report: one shared, thread-safe record.
///
/// Thread safety: every field sits behind one `Mutex`; readers take a consistent copy.
public final class ServiceHealth: Sendable {
    public enum Phase: String, Sendable {
        /// Connecting, reading the item catalog, waiting for a partition assignment.
        case starting
        /// Rebuilding the state of newly assigned partitions.
        case restoring
        /// Consuming owned partitions, caught up or catching up.
        case running
        /// Graceful shutdown in progress.
        case stopping
        /// A fatal error: the process is about to exit 1.
        case failed
    }

    public struct Snapshot: Sendable {
        public var phase: Phase
        public var detail: String
        /// Set once the item catalog has been read to its end.
        public var catalogLoaded: Bool
        /// The broker answered recently (consumer not in a transport-error state).
        public var brokerReachable: Bool

        /// `/readyz`: ready once the catalog is loaded, the owned partitions are restored and consumed.
        public var isReady: Bool { phase == .running && catalogLoaded && brokerReachable }
    }

    private let state = Mutex(Snapshot(phase: .starting, detail: "starting", catalogLoaded: false, brokerReachable: true))

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    public func update(_ body: (inout Snapshot) -> Void) {
        state.withLock { body(&$0) }
    }

    public func set(_ phase: Phase, _ detail: String) {
        state.withLock {
            $0.phase = phase
            $0.detail = detail
        }
    }
}
