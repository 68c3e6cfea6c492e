import CRdKafka
/// The librdkafka version this module is linked against.
public enum KafkaLibrary {
    public static var version: String { String(cString: rd_kafka_version_str()) }
}
