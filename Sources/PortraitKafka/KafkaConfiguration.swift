/// librdkafka properties, passed through verbatim as strings.
///
/// We do not re-model librdkafka's option surface: any property of the installed librdkafka can be set, and
/// ``validate(for:)`` applies them to a throwaway `rd_kafka_conf_t` at start-up so a typo fails early with a
/// one-line message naming the property.
public struct KafkaConfiguration: Sendable {
    /// Which kind of client a configuration is meant for; a few properties are only valid for one kind.
    public enum ClientKind: Sendable { case consumer, producer }

    public var properties: [String: String]

    public init(_ properties: [String: String] = [:]) { self.properties = properties }

    public subscript(_ key: String) -> String? {
        get { properties[key] }
        set { properties[key] = newValue }
    }

    /// The properties with `defaults` filled in where the user set nothing.
    func withDefaults(_ defaults: [String: String]) -> [String: String] {
        properties.merging(defaults) { user, _ in user }
    }
}
