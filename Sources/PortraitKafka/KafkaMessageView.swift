/// A zero-copy view of one consumed record, lent to the body of ``KafkaConsumer/poll(maxMessages:timeout:_:)``.
///
/// The view points into librdkafka's message buffer, which is released when the poll call returns. It is
/// `~Copyable` and lent as `borrowing`, so it cannot be stored or captured past the callback; the
/// `UnsafeRawBufferPointer`s it hands out are valid only inside the callback too. Call ``copy()`` to keep a record.
///
/// - Important: never let `key`, `value` or anything derived from their base addresses escape the callback.
public struct KafkaMessageView: ~Copyable {
    /// The `rd_kafka_message_t*`, kept untyped so no C type appears in the public API.
    let message: UnsafeRawPointer
    /// The topic name, shared (not re-created) across messages of the same topic within a poll.
    public let topic: String

    init(message: UnsafeRawPointer, topic: String) {
        self.message = message
        self.topic = topic
    }

    public var topicPartition: KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: partition) }

    /// An owned copy of the record, including its headers.
    public func copy() -> KafkaMessage {
        KafkaMessage(
            topic: topic, partition: partition, offset: offset, timestamp: timestamp,
            key: key.map { Array($0) }, value: value.map { Array($0) }, headers: headers
        )
    }
}
