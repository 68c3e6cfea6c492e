import Foundation
import PortraitService
import Testing

/// The built `portraitd`, run as a child process the way systemd or an operator runs it.
final class DaemonProcess: @unchecked Sendable {
    let process = Process()
    let logURL: URL
    let httpPort: Int
    /// The state directory this object made up (removed with it), unless the test passed its own.
    private let ownStateDirectory: URL?

    /// The `portraitd` next to the test bundle (`swift build` puts products and tests in one folder),
    /// or `$PORTRAITD_BINARY`.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["PORTRAITD_BINARY"] { return URL(fileURLWithPath: path) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("portraitd").path),
            directory.path != "/"
        {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("portraitd")
    }

    static func freePort() -> Int { LoopbackHTTP.freePort() }

    /// Starts `portraitd` with `arguments` and `environment` added to a minimal environment.
    init(arguments: [String] = [], environment: [String: String] = [:], httpPort: Int? = nil) throws {
        let port = httpPort ?? Self.freePort()
        self.httpPort = port
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("portraitd-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process.executableURL = Self.binary
        process.arguments = ["--http-addr", "127.0.0.1:\(port)", "--status-interval", "0"] + arguments
        // Each daemon its own state directory unless the test shares one on purpose.
        let stateDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("portraitd-state-\(UUID().uuidString)")
        ownStateDirectory = environment["PORTRAIT_STATE_DIR"] == nil ? stateDirectory : nil
        var env = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "PORTRAIT_STATE_DIR": stateDirectory.path,
        ]
        env.merge(environment) { $1 }
        process.environment = env
        let log = try FileHandle(forWritingTo: logURL)
        process.standardError = log
        process.standardOutput = log
        try process.run()
    }

    /// Kills the daemon if it still runs and removes its log and its own state directory (a failing expectation has
    /// already quoted the log it needed).
    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: logURL)
        if let ownStateDirectory { try? FileManager.default.removeItem(at: ownStateDirectory) }
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }
    var isRunning: Bool { process.isRunning }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for the process to exit and returns its status.
    func waitForExit(timeout: Duration = .seconds(40)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                signal(SIGKILL)
                Issue.record("portraitd did not exit in time; log:\n\(log)")
                throw TestTimeout(what: "portraitd exit")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return process.terminationStatus
    }

    /// GET on the daemon's HTTP endpoint: status and body, or nil when nothing answers yet.
    func get(_ path: String) -> (status: Int, body: String)? {
        LoopbackHTTP.get(port: httpPort, path: path)
    }

    /// Polls `/readyz` until it answers 200.
    func waitUntilReady(timeout: Duration = .seconds(30)) async throws {
        try await eventually(timeout: timeout, "portraitd ready; log:\n\(log)") {
            get("/readyz")?.status == 200
        }
    }
}

struct TestTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes.
func eventually(
    timeout: Duration = .seconds(20),
    _ what: @autoclosure () -> String,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TestTimeout(what: what()) }
        try await Task.sleep(for: .milliseconds(50))
    }
}

