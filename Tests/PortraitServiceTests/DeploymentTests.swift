import Foundation
import Testing

/// The files an operator installs: the systemd unit verifies, the example configuration is what portraitd reads.
@Suite(.timeLimit(.minutes(1)))
struct DeploymentTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var hasSystemdAnalyze: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") }

    @Test(.enabled(if: hasSystemdAnalyze, "systemd-analyze is not installed"))
    func systemdUnitVerifies() throws {
        // systemd-analyze checks that ExecStart exists: point it at the built portraitd.
        let unit = try String(contentsOf: Self.root.appendingPathComponent("deploy/portraitd.service"), encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/portraitd", with: DaemonProcess.binary.path)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("portraitd.service")
        try unit.write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-analyze")
        process.arguments = ["verify", file.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "systemd-analyze verify: \(text)")
        for directive in ["Type=notify", "WatchdogSec=", "Restart=on-failure", "StateDirectory=portrait",
                          "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                          "RestrictAddressFamilies=", "MemoryMax=", "TimeoutStopSec=45s",
                          "EnvironmentFile=-/etc/portrait/portraitd.env"] {
            #expect(unit.contains(directive), "\(directive) missing")
        }
    }

    @Test func exampleConfigurationIsValidAndDocumentsEveryKey() async throws {
        let yaml = Self.root.appendingPathComponent("deploy/portraitd.yaml")
        let text = try String(contentsOf: yaml, encoding: .utf8)
        let daemon = try DaemonProcess(arguments: ["--config", yaml.path, "--check-config"])
        #expect(try await daemon.waitForExit(timeout: .seconds(20)) == 0, "log: \(daemon.log)")
        let help = Process()
        help.executableURL = DaemonProcess.binary
        help.arguments = ["--help"]
        let pipe = Pipe()
        help.standardOutput = pipe
        try help.run()
        help.waitUntilExit()
        let usage = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        for line in usage.split(separator: "\n") where line.hasPrefix("  ") && line.contains("(PORTRAIT_") {
            let key = line.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init) ?? ""
            guard !key.hasPrefix("kafka") else { continue }
            #expect(text.contains("\n\(key):") || text.contains("# \(key):"), "deploy/portraitd.yaml does not document \(key)")
        }
    }
}
