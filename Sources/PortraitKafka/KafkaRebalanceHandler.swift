/// Hooks the consumer calls on its polling thread while the group moves partitions.
///
/// With the cooperative protocol only the partitions that move are passed; with an eager protocol (range,
/// roundrobin) every rebalance revokes the whole assignment first.
public protocol KafkaRebalanceHandler: AnyObject, Sendable {
    /// Called after the partitions were added to the assignment (`rd_kafka_incremental_assign`): the handler may
    /// pause or seek them here, e.g. to restore state before consuming.
    func partitionsAssigned(_ tps: [KafkaTopicPartition], consumer: KafkaConsumer)
    /// Called before the partitions leave the assignment (`rd_kafka_incremental_unassign`): the handler drains
    /// in-flight work, stores final offsets and may commit synchronously. `lost` is true when the partitions
    /// were lost (session timeout, fenced): committing is then impossible and the work must be discarded.
    func partitionsRevoked(_ tps: [KafkaTopicPartition], lost: Bool, consumer: KafkaConsumer)
}
