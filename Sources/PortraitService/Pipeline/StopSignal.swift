import Synchronization

/// Why the pipeline stops: the first of a graceful-shutdown request and a fatal error, raised from any thread.
///
/// A fatal error ends the process with exit status 1 after what can still be flushed is flushed: offsets
/// are never committed past work that failed, so a restart replays it.
///
/// Thread safety: state behind a `Mutex`; the waiter is resumed exactly once, outside the lock.
final class StopSignal: Sendable {
    enum Reason: Sendable {
        case gracefulShutdown
        case fatal(any Error)
    }

    private struct State {
        var reason: Reason?
        var waiter: CheckedContinuation<Reason, Never>?
    }

    private let state = Mutex(State())

    init() {}

    /// The reason, once one was raised.
    var reason: Reason? { state.withLock { $0.reason } }

    var isStopping: Bool { reason != nil }

    /// The fatal error, if the stop is one.
    var fatalError: (any Error)? {
        if case .fatal(let error) = reason { return error }
        return nil
    }

    /// Records `reason` if it is the first; wakes the waiter. A fatal error after a graceful request still
    /// wins the exit status (see ``fatalError``), so a drain that fails is not reported as clean.
    func raise(_ reason: Reason) {
        let waiter: CheckedContinuation<Reason, Never>? = state.withLock { state in
            switch (state.reason, reason) {
            case (nil, _): state.reason = reason
            case (.gracefulShutdown?, .fatal): state.reason = reason
            default: return nil
            }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: reason)
    }

    /// Suspends until a reason is raised (or returns it at once if one was).
    func wait() async -> Reason {
        await withCheckedContinuation { continuation in
            let raised: Reason? = state.withLock { state in
                if let reason = state.reason { return reason }
                state.waiter = continuation
                return nil
            }
            if let raised { continuation.resume(returning: raised) }
        }
    }
}
