/// One partition of one topic: the unit of assignment, pausing, seeking and offset commits.
public struct KafkaTopicPartition: Hashable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: KafkaPartition

    public init(topic: String, partition: KafkaPartition) {
        self.topic = topic
        self.partition = partition
    }

    public init(_ topic: String, _ partition: Int32) {
        self.init(topic: topic, partition: KafkaPartition(partition))
    }

    public var description: String { "\(topic)/\(partition.rawValue)" }
}
