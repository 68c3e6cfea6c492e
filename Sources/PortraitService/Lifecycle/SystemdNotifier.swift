#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Speaks systemd's notify protocol (`sd_notify(3)`) over the datagram socket in `$NOTIFY_SOCKET`.
///
/// Written by hand because the protocol is one datagram per state change and linking libsystemd for it
/// would tie the binary to systemd's library. Without `$NOTIFY_SOCKET` every call is a no-op, so the
/// daemon runs the same under systemd, in a terminal and in tests.
///
/// Thread safety: the socket descriptor is created once in `init` and only read afterwards; `sendto` on a
/// datagram socket is atomic per message, so concurrent `notify` calls from several threads are safe.
public final class SystemdNotifier: @unchecked Sendable {
    private let fd: Int32
    private var address = sockaddr_un()
    private let addressLength: socklen_t

    /// The watchdog interval systemd expects, from `$WATCHDOG_USEC` (and `$WATCHDOG_PID` when it names another process).
    public let watchdogInterval: Duration?

    public var isEnabled: Bool { fd >= 0 }

    public init(environment: [String: String]) {
        if let usec = environment["WATCHDOG_USEC"].flatMap(UInt64.init), usec > 0,
            environment["WATCHDOG_PID"].flatMap(Int32.init).map({ $0 == getpid() }) ?? true
        {
            watchdogInterval = .microseconds(Int64(usec))
        } else {
            watchdogInterval = nil
        }

        guard let path = environment["NOTIFY_SOCKET"], !path.isEmpty, path.utf8.count < 108 else {
            fd = -1
            addressLength = 0
            return
        }
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }  // abstract namespace
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        addressLength = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Sends one state message, e.g. `READY=1\nSTATUS=consuming`. Returns whether it was sent.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard fd >= 0 else { return false }
        var address = self.address
        let sent = state.utf8CString.withUnsafeBufferPointer { text in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    sendto(fd, text.baseAddress, text.count - 1, Int32(MSG_NOSIGNAL), socketAddress, addressLength)
                }
            }
        }
        return sent >= 0
    }

    public func ready(status: String) { notify("READY=1\nSTATUS=\(status)") }
    public func status(_ status: String) { notify("STATUS=\(status)") }
    public func stopping(status: String) { notify("STOPPING=1\nSTATUS=\(status)") }
    public func watchdog() { notify("WATCHDOG=1") }
}
