import Foundation
import Testing

/// Bad configuration: one line naming the key, exit 2, before any connection (no broker is running here).
@Suite(.timeLimit(.minutes(1)))
struct ConfigurationErrorTests {
    private func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, log: String) {
        let daemon = try DaemonProcess(arguments: ["--brokers", "127.0.0.1:1"] + arguments, environment: environment)
        let status = try await daemon.waitForExit(timeout: .seconds(20))
        return (status, daemon.log)
    }

    @Test(arguments: [
        (["--half-life=-5"], [String: String](), "half_life"),
        ([], ["PORTRAIT_TOP_N": "many"], "top_n"),
        (["--weights", "like=3,dislike=2"], [:], "weights"),
        (["--http-addr", "nowhere"], [:], "http_addr"),
        (["--log-format", "xml"], [:], "log_format"),
        (["--kafka", "no.such.property=1"], [:], "no.such.property"),
        ([], ["PORTRAIT_KAFKA_SESSION_TIMEOUT_MS": "soon"], "session.timeout.ms"),
        (["--no-such-flag"], [:], "--no-such-flag"),
    ])
    func badValueExitsTwoNamingTheKey(arguments: [String], environment: [String: String], key: String) async throws {
        let (status, log) = try await run(arguments, environment: environment)
        #expect(status == 2, "log: \(log)")
        let lines = log.split(separator: "\n")
        #expect(lines.count == 1, "one line per bad key: \(log)")
        #expect(log.contains(key), "log: \(log)")
        #expect(!log.contains("Connect to"), "connected before validating: \(log)")
    }

    @Test func everyBadKeyIsReportedAtOnce() async throws {
        let (status, log) = try await run(["--top-n", "0", "--recs-k", "x"], environment: ["PORTRAIT_EMIT_INTERVAL_MS": "-1"])
        #expect(status == 2)
        for key in ["top_n", "recs_k", "emit_interval_ms"] { #expect(log.contains(key), "\(key) missing from: \(log)") }
    }

    @Test func checkConfigPrintsTheEffectiveConfigurationWithSecretsMasked() async throws {
        let yaml = FileManager.default.temporaryDirectory.appendingPathComponent("portraitd-\(UUID()).yaml")
        defer { try? FileManager.default.removeItem(at: yaml) }
        try "group_id: from-yaml\ntop_n: 7\nkafka:\n  sasl.password: hunter2\n  linger.ms: 3\n".write(to: yaml, atomically: true, encoding: .utf8)
        let (status, log) = try await run(
            ["--config", yaml.path, "--check-config", "--top-n", "9"],
            environment: ["PORTRAIT_GROUP_ID": "from-env", "PORTRAIT_KAFKA_LOG_LEVEL": "6"]
        )
        #expect(status == 0, "log: \(log)")
        #expect(log.contains("group_id: from-env"))
        #expect(log.contains("top_n: 9"))
        #expect(log.contains("linger.ms: 3"))
        #expect(log.contains("log_level: 6"), "underscored librdkafka names resolve from the environment")
        #expect(!log.contains("hunter2"))
    }

    @Test func helpAndVersionExitZero() async throws {
        let (helpStatus, help) = try await run(["--help"])
        #expect(helpStatus == 0, "log: \(help)")
        #expect(help.contains("OVERVIEW") && help.contains("PORTRAIT_HALF_LIFE"), "log: \(help)")
        let (versionStatus, version) = try await run(["--version"])
        #expect(versionStatus == 0, "log: \(version)")
        #expect(!version.isEmpty)
    }

    @Test func unknownYAMLKeyIsAnError() async throws {
        let yaml = FileManager.default.temporaryDirectory.appendingPathComponent("portraitd-\(UUID()).yaml")
        defer { try? FileManager.default.removeItem(at: yaml) }
        try "half_lfe: 10\n".write(to: yaml, atomically: true, encoding: .utf8)
        let (status, log) = try await run(["--config", yaml.path])
        #expect(status == 2)
        #expect(log.contains("half_lfe"))
    }
}
