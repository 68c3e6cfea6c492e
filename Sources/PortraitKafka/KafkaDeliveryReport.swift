/// The outcome of one produced message, as reported by librdkafka once the broker acknowledged it or it failed.
public struct KafkaDeliveryReport: Sendable {
    public var topic: String
    public var partition: KafkaPartition
    /// The offset the broker assigned, or ``KafkaOffset/invalid`` when the delivery failed.
    public var offset: KafkaOffset
    /// `nil` on success. A failure after librdkafka's own retries (e.g. `_MSG_TIMED_OUT`), or a fatal error.
    public var error: KafkaError?
    /// The caller's token passed to ``KafkaProducer/send(topic:partition:key:value:headers:token:)``.
    public var token: UInt64

    public init(topic: String, partition: KafkaPartition, offset: KafkaOffset, error: KafkaError?, token: UInt64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.error = error
        self.token = token
    }
}
