import Foundation

/// One configuration key: its name in YAML, its environment variable, its flag, default and meaning.
///
/// The table ``PortraitConfiguration/keys`` is the single list every source is read from and every
/// piece of documentation is printed from, so a key cannot exist in one place and not another.
public struct ConfigurationKey: Sendable, Hashable {
    /// The YAML key and swift-configuration key, snake_case (`group_id`).
    public var name: String
    /// The default, as an operator would write it.
    public var defaultValue: String
    public var summary: String
    public var isSecret: Bool

    public init(_ name: String, default defaultValue: String, _ summary: String, isSecret: Bool = false) {
        self.name = name
        self.defaultValue = defaultValue
        self.summary = summary
        self.isSecret = isSecret
    }

    /// `PORTRAIT_GROUP_ID`.
    public var environmentVariable: String { "PORTRAIT_" + name.uppercased() }
    /// `--group-id`.
    public var flag: String { "--" + name.replacingOccurrences(of: "_", with: "-") }
    /// How problems name the key: all three spellings, so the operator finds it wherever it was set.
    public var displayName: String { "\(name) (\(environmentVariable), \(flag))" }
}

extension PortraitConfiguration {
    /// Every key `portraitd` reads, CONTRACT §8's and Portrait's own, in documentation order.
    public static let keys: [ConfigurationKey] = [
        .init("brokers", default: "localhost:9092", "bootstrap brokers, comma-separated; `embedded` starts an in-process development broker that keeps nothing"),
        .init("group_id", default: "portrait", "consumer group of the input topic"),
        .init("instance_id", default: "", "group.instance.id for static membership (fast restarts); empty: dynamic membership"),
        .init("input_topic", default: "interactions", "interaction events (input)"),
        .init("items_topic", default: "items", "item catalog (input, read in full by every instance)"),
        .init("profiles_topic", default: "portrait.profiles", "profile records (output and changelog)"),
        .init("recommendations_topic", default: "portrait.recommendations", "recommendation records (output)"),
        .init("dlq_topic", default: "portrait.dlq", "dead letters (rejected input, byte for byte)"),
        .init("state_dir", default: "/var/lib/portrait", "local state (snapshots); systemd's $STATE_DIRECTORY when set"),
        .init("http_addr", default: "127.0.0.1:9810", "HTTP listen address host:port, or `off`"),
        .init("half_life", default: "86400", "half-life of interest decay, seconds (> 0)"),
        .init("weights", default: "view=1,like=3,comment=4,share=5,follow=6,skip=-1,not_interested=-5", "type weights, overriding the defaults one by one (`like=3,skip=-1`)"),
        .init("top_n", default: "20", "interests and authors listed per profile (1–256)"),
        .init("recs_k", default: "20", "recommendations per user (1–200)"),
        .init("exploration_share", default: "0.1", "share of recommendation slots for popular items outside the user's interests (0–1)"),
        .init("emit_interval_ms", default: "1000", "at most one profile and one recommendation record per user per interval; 0 emits at once"),
        .init("catchup_emit_interval_ms", default: "10000", "while catching up (see catchup_lag), at most one round per this interval instead; ≤ emit_interval_ms turns it off"),
        .init("catchup_lag", default: "20000", "input records beyond the polled position (all owned partitions) above which the instance is catching up"),
        .init("workers", default: "number of cores", "engine shards (serial worker queues), 1–256"),
        .init("max_tags_per_user", default: "256", "interests kept per user; the smallest decayed score is evicted"),
        .init("max_authors_per_user", default: "256", "authors kept per user"),
        .init("max_profiles", default: "0", "profiles held in memory before idle ones are evicted (0: no limit)"),
        .init("commit_interval_ms", default: "5000", "how often processed offsets are committed"),
        .init("snapshot_interval", default: "300", "seconds between local state snapshots (also written at shutdown); 0: only at shutdown"),
        .init("shutdown_timeout", default: "30", "seconds a graceful shutdown may take"),
        .init("log_level", default: "info", "trace, debug, info, notice, warning, error or critical"),
        .init("log_format", default: "text", "`text` or `json` lines on stderr"),
        .init("status_interval", default: "10", "seconds between one-line status reports; 0 disables them"),
    ]
}
