/// An owned copy of one consumed record, safe to keep and to send across threads.
///
/// Made from a ``KafkaMessageView`` with `copy()` when a record must outlive the poll callback; the hot path
/// should work on the view instead and copy only what it keeps.
public struct KafkaMessage: Sendable, Hashable {
    public var topic: String
    public var partition: KafkaPartition
    public var offset: KafkaOffset
    /// Broker (log-append) or create time in milliseconds since the epoch; `nil` when the record has none.
    public var timestamp: Int64?
    /// `nil` when the record has a null key.
    public var key: [UInt8]?
    /// `nil` when the record has a null value (a tombstone).
    public var value: [UInt8]?
    public var headers: [KafkaHeader]

    public init(
        topic: String, partition: KafkaPartition, offset: KafkaOffset, timestamp: Int64?,
        key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader]
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
    }

    public var topicPartition: KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: partition) }
}
