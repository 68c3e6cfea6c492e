import Foundation

import PortraitCore

extension PortraitConfiguration {
    /// The effective configuration as YAML, secrets masked: what `portraitd --check-config` prints.
    public var effectiveYAML: String {
        var lines = ["# effective portraitd configuration (defaults < YAML < environment < flags)"]
        func line(_ key: String, _ value: String) { lines.append("\(key): \(Self.yamlQuoted(value))") }
        line("brokers", brokers)
        line("group_id", groupID)
        line("instance_id", instanceID)
        line("input_topic", topics.input)
        line("items_topic", topics.items)
        line("profiles_topic", topics.profiles)
        line("recommendations_topic", topics.recommendations)
        line("dlq_topic", topics.deadLetters)
        line("state_dir", stateDirectory)
        line("http_addr", http.host.map { "\($0.contains(":") ? "[\($0)]" : $0):\(http.port)" } ?? "off")
        line("half_life", Self.number(engine.halfLifeSeconds))
        line("weights", EventType.allCases.map { "\($0.name)=\(Self.number(engine.weights[$0]))" }.joined(separator: ","))
        line("top_n", String(engine.topN))
        line("recs_k", String(engine.recommendationsK))
        line("exploration_share", Self.number(engine.explorationShare))
        line("emit_interval_ms", String(engine.emitIntervalMs))
        line("catchup_emit_interval_ms", String(engine.catchUpEmitIntervalMs))
        line("catchup_lag", String(catchUpLag))
        line("workers", String(engine.shardCount))
        line("max_tags_per_user", String(engine.maxTagsPerUser))
        line("max_authors_per_user", String(engine.maxAuthorsPerUser))
        line("max_profiles", String(engine.maxProfiles ?? 0))
        line("commit_interval_ms", String(commitIntervalMs))
        line("snapshot_interval", Self.number(snapshotIntervalSeconds))
        line("shutdown_timeout", Self.number(shutdownTimeoutSeconds))
        line("log_level", logging.level)
        line("log_format", logging.format.rawValue)
        line("status_interval", Self.number(logging.statusIntervalSeconds))
        if kafka.isEmpty {
            lines.append("kafka: {}")
        } else {
            lines.append("kafka:")
            for (name, value) in kafka.sorted(by: { $0.key < $1.key }) {
                lines.append("  \(name): \(Self.yamlQuoted(Self.isSecret(kafkaProperty: name) ? "******" : value))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// librdkafka properties that carry credentials or key material.
    public static func isSecret(kafkaProperty name: String) -> Bool {
        let lower = name.lowercased()
        return lower.contains("password") || lower.contains("secret") || lower == "sasl.oauthbearer.config"
            || lower == "ssl.key.pem"
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    private static func yamlQuoted(_ value: String) -> String {
        let plain = !value.isEmpty && value.allSatisfy { $0.isLetter || $0.isNumber || "._-/,=:".contains($0) }
            && !value.contains(": ")
        if plain { return value }
        return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
