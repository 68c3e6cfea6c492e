import CRdKafka
import Logging

/// An in-process Kafka cluster (librdkafka's mock broker) for tests, the development broker and the demo.
///
/// Speaks Produce, Fetch, ListOffsets, Metadata, group and offset calls over real TCP on loopback; no admin API.
/// - Important: each partition keeps only ~5 MiB (or 100,000 message sets); older data is dropped silently.
///
/// Thread safety: librdkafka's mock API takes the cluster's lock on every call; the handles are immutable.
public final class KafkaMockCluster: @unchecked Sendable {
    /// Request types whose responses can be made to fail with ``pushRequestErrors(_:errors:)``.
    public enum APIKey: Int16, Sendable {
        case produce = 0, fetch = 1, listOffsets = 2, metadata = 3, offsetCommit = 8, offsetFetch = 9
        case findCoordinator = 10, joinGroup = 11, heartbeat = 12, leaveGroup = 13, syncGroup = 14
        case initProducerID = 22
    }

    private let client: RDKafkaClient
    private let cluster: OpaquePointer
    public let bootstrapServers: String

    public init(brokers: Int = 1, logger: Logger) throws(KafkaError) {
        // The handle only hosts the cluster and never connects: its "no bootstrap.servers" notice is noise.
        let config = try RDKafkaConfig(["client.id": "portrait-mock-cluster", "log_level": "4"])
        client = try RDKafkaClient(kind: .producer, config: config, context: RDKafkaCallbackContext(logger: logger))
        guard let cluster = rd_kafka_mock_cluster_new(client.handle, Int32(brokers)) else {
            throw KafkaError(rdCode: RD_KAFKA_RESP_ERR__FAIL.rawValue, detail: "rd_kafka_mock_cluster_new")
        }
        self.cluster = cluster
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit { rd_kafka_mock_cluster_destroy(cluster) }

    /// Creates a topic with replication factor 1.
    public func createTopic(_ name: String, partitions: Int) throws(KafkaError) {
        try KafkaError.check(rd_kafka_mock_topic_create(cluster, name, Int32(partitions), 1), "create topic \(name)")
    }

    /// Closes the broker's connections and refuses new ones until ``setBrokerUp(_:)``.
    public func setBrokerDown(_ id: Int32) throws(KafkaError) {
        try KafkaError.check(rd_kafka_mock_broker_set_down(cluster, id), "broker \(id) down")
    }

    public func setBrokerUp(_ id: Int32) throws(KafkaError) {
        try KafkaError.check(rd_kafka_mock_broker_set_up(cluster, id), "broker \(id) up")
    }

    /// Delays every response of the broker by `milliseconds`.
    public func setRTT(broker id: Int32, milliseconds: Int) throws(KafkaError) {
        try KafkaError.check(rd_kafka_mock_broker_set_rtt(cluster, id, Int32(milliseconds)), "broker \(id) rtt")
    }

    /// Makes the next requests of the given type fail with `errors`, one per request, in order.
    public func pushRequestErrors(_ apiKey: APIKey, errors: [KafkaError.Code]) {
        let codes = errors.map(\.rawValue)
        codes.withUnsafeBufferPointer { portrait_mock_push_errors(cluster, apiKey.rawValue, codes.count, $0.baseAddress) }
    }

    /// Makes every request on `topic` fail with `error` until set back to ``KafkaError/Code/noError``.
    public func setTopicError(_ topic: String, error: KafkaError.Code) {
        rd_kafka_mock_topic_set_error(cluster, topic, rd_kafka_resp_err_t(rawValue: error.rawValue))
    }

    /// Moves the group coordinator of `group` to broker `id`.
    public func setGroupCoordinator(_ group: String, broker id: Int32) throws(KafkaError) {
        try KafkaError.check(rd_kafka_mock_coordinator_set(cluster, "group", group, id), "coordinator")
    }
}
