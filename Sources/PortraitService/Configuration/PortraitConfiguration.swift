import PortraitCore

/// The whole configuration of `portraitd`: one tree of value types with defaults.
///
/// Sources, later ones winning: defaults < YAML file (`--config PATH`) < environment (`PORTRAIT_*`) <
/// command-line flags. Every key, its environment variable, type and default is listed in
/// ``PortraitConfiguration/keys`` (also printed by `portraitd --help` and documented in
/// `deploy/portraitd.yaml`); librdkafka properties pass through verbatim (``kafka``).
public struct PortraitConfiguration: Sendable {
    /// Where Portrait's topics live.
    public struct Topics: Sendable, Equatable {
        public var input = "interactions"
        public var items = "items"
        public var profiles = "portrait.profiles"
        public var recommendations = "portrait.recommendations"
        public var deadLetters = "portrait.dlq"
        public init() {}
    }

    /// How `portraitd` logs.
    public struct Logging: Sendable, Equatable {
        public enum Format: String, Sendable, CaseIterable { case text, json }
        public var level: String = "info"
        public var format: Format = .text
        /// Seconds between one-line status reports at info level; 0 disables them.
        public var statusIntervalSeconds: Double = 10
        public init() {}
    }

    /// The HTTP endpoint for metrics, health and profile queries.
    public struct HTTP: Sendable, Equatable {
        /// `nil` when disabled (`http_addr: off`).
        public var host: String? = "127.0.0.1"
        public var port: Int = 9810
        public var isEnabled: Bool { host != nil }
        public init() {}
    }

    /// Brokers as a comma-separated list, or `embedded` for an in-process development broker.
    public var brokers: String = "localhost:9092"
    public var groupID: String = "portrait"
    /// `group.instance.id` for static membership (fast restarts without a rebalance); empty: dynamic.
    public var instanceID: String = ""
    public var topics = Topics()
    /// Directory for local state (snapshots). systemd's `StateDirectory=` sets `$STATE_DIRECTORY`.
    public var stateDirectory: String = "/var/lib/portrait"
    public var http = HTTP()
    public var logging = Logging()
    public var engine = EngineConfiguration()
    /// How long a graceful shutdown may take before the process gives up and exits 1.
    public var shutdownTimeoutSeconds: Double = 30
    /// How often stored offsets are committed (librdkafka `auto.commit.interval.ms`).
    public var commitIntervalMs: Int = 5_000
    /// Input records beyond the polled position above which the instance is catching up (rounds spaced out to
    /// `engine.catchUpEmitIntervalMs`).
    public var catchUpLag: Int = 20_000
    /// Seconds between periodic local snapshots of the owned partitions' state; 0 writes them only at shutdown.
    public var snapshotIntervalSeconds: Double = 300
    /// librdkafka properties, verbatim (`kafka:` in YAML, `PORTRAIT_KAFKA_*`, `--kafka name=value`).
    public var kafka: [String: String] = [:]

    /// Whether the brokers are an in-process development broker.
    public var usesEmbeddedBroker: Bool { brokers == "embedded" }

    public init() {}
}
