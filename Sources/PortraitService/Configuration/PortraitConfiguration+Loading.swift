import Configuration
import Foundation
import PortraitKafka
import PortraitCore
import SystemPackage
import Yams

extension PortraitConfiguration {
    /// What the command line contributed: values by key name, librdkafka properties, the YAML path.
    public struct CommandLine: Sendable {
        public var values: [String: String]
        public var kafka: [String: String]
        public var configFile: String?

        public init(values: [String: String] = [:], kafka: [String: String] = [:], configFile: String? = nil) {
            self.values = values
            self.kafka = kafka
            self.configFile = configFile
        }
    }

    /// Builds the effective configuration from every source, reporting every bad key at once.
    ///
    /// - Throws: ``ConfigurationError`` with one problem per bad key; nothing has been connected to.
    public static func load(
        commandLine: CommandLine,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws(ConfigurationError) -> PortraitConfiguration {
        var providers: [any ConfigProvider] = []
        var yamlKafka: [String: String] = [:]
        var problems: [ConfigurationError.Problem] = []

        // Highest precedence first: flags, environment, YAML.
        var flagValues: [AbsoluteConfigKey: ConfigValue] = [:]
        for (name, value) in commandLine.values {
            flagValues[AbsoluteConfigKey([name])] = ConfigValue(.string(value), isSecret: false)
        }
        providers.append(InMemoryProvider(name: "flags", values: flagValues))
        providers.append(EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: ["portrait"]))

        if let path = commandLine.configFile {
            do {
                let text = try String(contentsOfFile: path, encoding: .utf8)
                let scan = try YAMLConfigurationScan(text: text)
                problems += scan.unknownKeys.map { .init(key: $0, message: "unknown key in \(path)") }
                yamlKafka = scan.kafka
                providers.append(try await FileProvider<YAMLSnapshot>(filePath: FilePath(path)))
            } catch {
                throw ConfigurationError(key: "--config", message: "cannot read \(path): \(error)")
            }
        }

        let reader = ConfigReader(providers: providers)
        var configuration = PortraitConfiguration()
        var parser = ValueParser(reader: reader)
        configuration.apply(&parser)
        problems += parser.problems

        // librdkafka properties: YAML < environment < flags.
        var kafka = yamlKafka
        for (name, value) in environment where name.hasPrefix("PORTRAIT_KAFKA_") {
            kafka[KafkaConfiguration.propertyName(fromEnvironmentSuffix: String(name.dropFirst("PORTRAIT_KAFKA_".count)))] = value
        }
        kafka.merge(commandLine.kafka) { _, flag in flag }
        configuration.kafka = kafka

        if configuration.stateDirectory == "/var/lib/portrait", parser.wasDefaulted("state_dir"),
            let systemd = environment["STATE_DIRECTORY"], !systemd.isEmpty
        {
            // systemd may pass several directories separated by colons; the first is ours.
            configuration.stateDirectory = String(systemd.split(separator: ":").first ?? Substring(systemd))
        }

        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        return configuration
    }

    private mutating func apply(_ p: inout ValueParser) {
        brokers = p.string("brokers", default: brokers, nonEmpty: true)
        groupID = p.string("group_id", default: groupID, nonEmpty: true)
        instanceID = p.string("instance_id", default: instanceID)
        topics.input = p.string("input_topic", default: topics.input, nonEmpty: true)
        topics.items = p.string("items_topic", default: topics.items, nonEmpty: true)
        topics.profiles = p.string("profiles_topic", default: topics.profiles, nonEmpty: true)
        topics.recommendations = p.string("recommendations_topic", default: topics.recommendations, nonEmpty: true)
        topics.deadLetters = p.string("dlq_topic", default: topics.deadLetters, nonEmpty: true)
        stateDirectory = p.string("state_dir", default: stateDirectory, nonEmpty: true)
        http = p.httpAddress("http_addr", default: http)
        engine.halfLifeSeconds = p.double("half_life", default: engine.halfLifeSeconds, in: 0.001...1e10, open: true)
        engine.weights = p.weights("weights", default: engine.weights)
        engine.topN = p.int("top_n", default: engine.topN, in: 1...256)
        engine.recommendationsK = p.int("recs_k", default: engine.recommendationsK, in: 1...200)
        engine.explorationShare = p.double("exploration_share", default: engine.explorationShare, in: 0...1)
        engine.emitIntervalMs = p.int("emit_interval_ms", default: engine.emitIntervalMs, in: 0...3_600_000)
        engine.catchUpEmitIntervalMs = p.int(
            "catchup_emit_interval_ms", default: engine.catchUpEmitIntervalMs, in: 0...3_600_000)
        catchUpLag = p.int("catchup_lag", default: catchUpLag, in: 0...Int(Int32.max))
        engine.shardCount = p.int("workers", default: ProcessInfo.processInfo.activeProcessorCount, in: 1...256)
        engine.maxTagsPerUser = p.int("max_tags_per_user", default: engine.maxTagsPerUser, in: 1...65_536)
        engine.maxAuthorsPerUser = p.int("max_authors_per_user", default: engine.maxAuthorsPerUser, in: 1...65_536)
        let maxProfiles = p.int("max_profiles", default: 0, in: 0...Int(Int32.max))
        engine.maxProfiles = maxProfiles == 0 ? nil : maxProfiles
        commitIntervalMs = p.int("commit_interval_ms", default: commitIntervalMs, in: 1...3_600_000)
        snapshotIntervalSeconds = p.double("snapshot_interval", default: snapshotIntervalSeconds, in: 0...604_800)
        shutdownTimeoutSeconds = p.double("shutdown_timeout", default: shutdownTimeoutSeconds, in: 0.1...3_600)
        logging.level = p.choice("log_level", default: logging.level, among: Self.logLevels)
        logging.format = Logging.Format(
            rawValue: p.choice("log_format", default: logging.format.rawValue, among: Logging.Format.allCases.map(\.rawValue))
        ) ?? .text
        logging.statusIntervalSeconds = p.double("status_interval", default: logging.statusIntervalSeconds, in: 0...86_400)
    }

    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
}

/// Reads keys as strings through swift-configuration and parses them here, so that a bad value is an
/// error naming the key rather than a silent fall-back to the default.
struct ValueParser {
    let reader: ConfigReader
    private(set) var problems: [ConfigurationError.Problem] = []
    private var defaulted: Set<String> = []

    init(reader: ConfigReader) {
        self.reader = reader
    }

    func wasDefaulted(_ name: String) -> Bool { defaulted.contains(name) }

    private mutating func raw(_ name: String) -> String? {
        guard let value = reader.string(forKey: ConfigKey([name])) else {
            defaulted.insert(name)
            return nil
        }
        return value.trimmingCharacters(in: .whitespaces)
    }

    private mutating func fail(_ name: String, _ value: String, expected: String) {
        let key = PortraitConfiguration.keys.first { $0.name == name }?.displayName ?? name
        problems.append(.init(key: key, message: "\"\(value)\" is not \(expected)"))
    }

    mutating func string(_ name: String, default value: String, nonEmpty: Bool = false) -> String {
        guard let text = raw(name) else { return value }
        if nonEmpty && text.isEmpty {
            fail(name, text, expected: "a non-empty string")
            return value
        }
        return text
    }

    mutating func int(_ name: String, default value: Int, in range: ClosedRange<Int>) -> Int {
        guard let text = raw(name) else { return value }
        guard let parsed = Int(text), range.contains(parsed) else {
            fail(name, text, expected: "an integer in \(range.lowerBound)...\(range.upperBound)")
            return value
        }
        return parsed
    }

    mutating func double(_ name: String, default value: Double, in range: ClosedRange<Double>, open: Bool = false) -> Double {
        guard let text = raw(name) else { return value }
        guard let parsed = Double(text), parsed.isFinite, range.contains(parsed), !(open && parsed == range.lowerBound)
        else {
            fail(name, text, expected: "a number in \(range.lowerBound)...\(range.upperBound)")
            return value
        }
        return parsed
    }

    mutating func choice(_ name: String, default value: String, among choices: [String]) -> String {
        guard let text = raw(name) else { return value }
        guard choices.contains(text.lowercased()) else {
            fail(name, text, expected: "one of \(choices.joined(separator: ", "))")
            return value
        }
        return text.lowercased()
    }

    mutating func httpAddress(_ name: String, default value: PortraitConfiguration.HTTP) -> PortraitConfiguration.HTTP {
        guard let text = raw(name) else { return value }
        var http = PortraitConfiguration.HTTP()
        if text.lowercased() == "off" {
            http.host = nil
            return http
        }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port)
        else {
            fail(name, text, expected: "host:port or off")
            return value
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        http.host = host.isEmpty ? "0.0.0.0" : host
        http.port = port
        return http
    }

    mutating func weights(_ name: String, default value: EventWeights) -> EventWeights {
        guard let text = raw(name) else { return value }
        var weights = value
        for pair in text.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let type = EventType(name: parts[0]), let weight = Double(parts[1]),
                weight.isFinite
            else {
                fail(name, text, expected: "a list of type=weight (types: \(EventType.allCases.map(\.name).joined(separator: ", ")))")
                return value
            }
            weights[type] = weight
        }
        return weights
    }
}

/// What the YAML file says beyond plain keys: unknown keys (typos) and the `kafka:` section, flattened
/// to librdkafka's dotted names (`kafka: {security.protocol: SSL}` and nested maps alike).
struct YAMLConfigurationScan {
    var unknownKeys: [String] = []
    var kafka: [String: String] = [:]

    init(text: String) throws {
        guard let node = try Yams.compose(yaml: text) else { return }
        guard let mapping = node.mapping else {
            throw ConfigurationError(key: "--config", message: "the YAML document is not a mapping")
        }
        let known = Set(PortraitConfiguration.keys.map(\.name))
        for (key, value) in mapping {
            guard let name = key.string else { continue }
            if name == "kafka" {
                flatten(value, prefix: "")
            } else if !known.contains(name) {
                unknownKeys.append(name)
            }
        }
    }

    private mutating func flatten(_ node: Node, prefix: String) {
        if let mapping = node.mapping {
            for (key, value) in mapping {
                guard let name = key.string else { continue }
                flatten(value, prefix: prefix.isEmpty ? name : "\(prefix).\(name)")
            }
        } else if let scalar = node.scalar {
            // `kafka:` with nothing under it (only comments) is a null scalar, not a property.
            guard !prefix.isEmpty, scalar.tag != Tag(.null) || !scalar.string.isEmpty else { return }
            kafka[prefix] = scalar.string
        } else if let sequence = node.sequence {
            kafka[prefix] = sequence.compactMap { $0.scalar?.string }.joined(separator: ",")
        }
    }
}
