import ArgumentParser
import PortraitService

/// `portraitd`'s command line: `--config`, `--check-config`, and one flag per configuration key.
///
/// Flags are the highest-precedence source (defaults < YAML < `PORTRAIT_*` environment < flags).
struct PortraitDaemonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portraitd",
        abstract: "Real-time user profiling daemon: Kafka interactions in, profiles and recommendations out.",
        discussion: """
            Configuration keys (YAML key, environment variable, flag; default):
            \(PortraitConfiguration.keys.map { "  \($0.name) (\($0.environmentVariable), \($0.flag); default \($0.defaultValue.isEmpty ? "empty" : $0.defaultValue))\n      \($0.summary)" }.joined(separator: "\n"))
              kafka.<property> (PORTRAIT_KAFKA_<PROPERTY>, --kafka <property>=<value>)
                  any librdkafka property, passed through verbatim and validated at start-up

            Exit status: 0 after a clean shutdown, 1 on a fatal error, 2 on bad configuration.
            """,
        version: PortraitVersion.string
    )

    @Option(name: .customLong("config"), help: "YAML configuration file.")
    var configFile: String?

    @Flag(name: .customLong("check-config"), help: "Validate the configuration, print the effective one (secrets masked) and exit.")
    var checkConfig = false

    @Option(help: .hidden) var brokers: String?
    @Option(name: .customLong("group-id"), help: .hidden) var groupID: String?
    @Option(name: .customLong("instance-id"), help: .hidden) var instanceID: String?
    @Option(name: .customLong("input-topic"), help: .hidden) var inputTopic: String?
    @Option(name: .customLong("items-topic"), help: .hidden) var itemsTopic: String?
    @Option(name: .customLong("profiles-topic"), help: .hidden) var profilesTopic: String?
    @Option(name: .customLong("recommendations-topic"), help: .hidden) var recommendationsTopic: String?
    @Option(name: .customLong("dlq-topic"), help: .hidden) var dlqTopic: String?
    @Option(name: .customLong("state-dir"), help: .hidden) var stateDir: String?
    @Option(name: .customLong("http-addr"), help: .hidden) var httpAddr: String?
    @Option(name: .customLong("half-life"), help: .hidden) var halfLife: String?
    @Option(help: .hidden) var weights: String?
    @Option(name: .customLong("top-n"), help: .hidden) var topN: String?
    @Option(name: .customLong("recs-k"), help: .hidden) var recsK: String?
    @Option(name: .customLong("exploration-share"), help: .hidden) var explorationShare: String?
    @Option(name: .customLong("emit-interval-ms"), help: .hidden) var emitIntervalMs: String?
    @Option(name: .customLong("catchup-emit-interval-ms"), help: .hidden) var catchUpEmitIntervalMs: String?
    @Option(name: .customLong("catchup-lag"), help: .hidden) var catchUpLag: String?
    @Option(help: .hidden) var workers: String?
    @Option(name: .customLong("max-tags-per-user"), help: .hidden) var maxTagsPerUser: String?
    @Option(name: .customLong("max-authors-per-user"), help: .hidden) var maxAuthorsPerUser: String?
    @Option(name: .customLong("max-profiles"), help: .hidden) var maxProfiles: String?
    @Option(name: .customLong("commit-interval-ms"), help: .hidden) var commitIntervalMs: String?
    @Option(name: .customLong("snapshot-interval"), help: .hidden) var snapshotInterval: String?
    @Option(name: .customLong("shutdown-timeout"), help: .hidden) var shutdownTimeout: String?
    @Option(name: .customLong("log-level"), help: .hidden) var logLevel: String?
    @Option(name: .customLong("log-format"), help: .hidden) var logFormat: String?
    @Option(name: .customLong("status-interval"), help: .hidden) var statusInterval: String?
    @Option(name: .customLong("kafka"), help: "A librdkafka property, name=value (repeatable).")
    var kafka: [String] = []

    /// The flags given, by configuration key name.
    var commandLine: PortraitConfiguration.CommandLine {
        get throws(ConfigurationError) {
            let values: [String: String?] = [
                "brokers": brokers, "group_id": groupID, "instance_id": instanceID, "input_topic": inputTopic,
                "items_topic": itemsTopic, "profiles_topic": profilesTopic,
                "recommendations_topic": recommendationsTopic, "dlq_topic": dlqTopic, "state_dir": stateDir,
                "http_addr": httpAddr, "half_life": halfLife, "weights": weights, "top_n": topN, "recs_k": recsK,
                "exploration_share": explorationShare, "emit_interval_ms": emitIntervalMs,
                "catchup_emit_interval_ms": catchUpEmitIntervalMs, "catchup_lag": catchUpLag, "workers": workers,
                "max_tags_per_user": maxTagsPerUser, "max_authors_per_user": maxAuthorsPerUser,
                "max_profiles": maxProfiles, "commit_interval_ms": commitIntervalMs,
                "snapshot_interval": snapshotInterval,
                "shutdown_timeout": shutdownTimeout, "log_level": logLevel, "log_format": logFormat,
                "status_interval": statusInterval,
            ]
            var properties: [String: String] = [:]
            for pair in kafka {
                guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                    throw ConfigurationError(key: "--kafka", message: "\"\(pair)\" is not name=value")
                }
                properties[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            return .init(values: values.compactMapValues { $0 }, kafka: properties, configFile: configFile)
        }
    }
}
