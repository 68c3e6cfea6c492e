import CRdKafka

#if canImport(Glibc)
import Glibc
#endif

/// The installed librdkafka's own table of configuration properties and which clients they apply to,
/// read once from `rd_kafka_conf_properties_show` (the same table as its CONFIGURATION.md).
///
/// Lets the pass-through stay verbatim while each client gets only what applies to it: a producer-only
/// property under `kafka:` (say `linger.ms`) is not handed to the consumers, which would warn about it.
enum RDKafkaPropertyTable {
    enum Scope: Sendable {
        case both, consumer, producer
    }

    /// Property name → scope, global and topic-level properties alike.
    static let scopes: [String: Scope] = {
        var buffer: UnsafeMutablePointer<CChar>?
        var size = 0
        guard let stream = open_memstream(&buffer, &size) else { return [:] }
        rd_kafka_conf_properties_show(stream)
        fclose(stream)
        defer { free(buffer) }
        guard let buffer else { return [:] }
        var table: [String: Scope] = [:]
        for line in String(cString: buffer).split(separator: "\n") {
            let columns = line.split(separator: "|", omittingEmptySubsequences: false)
            guard columns.count >= 3 else { continue }
            let name = columns[0].trimmed
            guard !name.isEmpty, name.first!.isLetter, !name.contains(" ") else { continue }
            switch columns[1].trimmed {
            case "C": table[name] = .consumer
            case "P": table[name] = .producer
            case "*": table[name] = .both
            default: continue
            }
        }
        return table
    }()
}

extension Substring {
    /// Without the spaces that pad the table's columns.
    fileprivate var trimmed: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

extension KafkaConfiguration {
    /// The properties that apply to a `kind` client: those librdkafka documents for the other kind only are left
    /// out (properties it does not know stay in, so that validation still names them).
    public func applicable(to kind: ClientKind) -> KafkaConfiguration {
        let table = RDKafkaPropertyTable.scopes
        return KafkaConfiguration(
            properties.filter { name, _ in
                switch table[name] {
                case .consumer?: kind == .consumer
                case .producer?: kind == .producer
                case .both?, nil: true
                }
            })
    }

    /// The librdkafka property an environment variable suffix names (`SECURITY_PROTOCOL` → `security.protocol`,
    /// `LOG_LEVEL` → `log_level`): dots are written as underscores, so the known names disambiguate.
    public static func propertyName(fromEnvironmentSuffix suffix: String) -> String {
        let lower = suffix.lowercased()
        let dotted = lower.replacingOccurrences("_", with: ".")
        let table = RDKafkaPropertyTable.scopes
        if table[dotted] != nil { return dotted }
        if let match = table.keys.first(where: { $0.replacingOccurrences(".", with: "_") == lower }) { return match }
        return dotted
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
