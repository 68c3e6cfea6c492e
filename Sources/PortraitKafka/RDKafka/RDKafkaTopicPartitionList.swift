import CRdKafka

/// Owner of one `rd_kafka_topic_partition_list_t`, with conversions from and to Swift values.
final class RDKafkaTopicPartitionList {
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    init(capacity: Int = 1) {
        pointer = rd_kafka_topic_partition_list_new(Int32(clamping: max(1, capacity)))
    }

    /// Adopts a list librdkafka allocated for us.
    init(adopting pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        self.pointer = pointer
    }

    convenience init(_ tps: some Collection<KafkaTopicPartition>) {
        self.init(capacity: tps.count)
        for tp in tps { add(tp, offset: .invalid) }
    }

    convenience init(_ offsets: [KafkaTopicPartition: KafkaOffset]) {
        self.init(capacity: offsets.count)
        for (tp, offset) in offsets { add(tp, offset: offset) }
    }

    deinit { rd_kafka_topic_partition_list_destroy(pointer) }

    func add(_ tp: KafkaTopicPartition, offset: KafkaOffset) {
        let element = rd_kafka_topic_partition_list_add(pointer, tp.topic, tp.partition.rawValue)!
        element.pointee.offset = offset.rawValue
    }

    /// The elements as Swift values, each with its offset and per-element error.
    var elements: [(tp: KafkaTopicPartition, offset: KafkaOffset, err: Int32)] {
        Self.elements(of: pointer)
    }

    static func elements(of list: UnsafePointer<rd_kafka_topic_partition_list_t>?)
        -> [(tp: KafkaTopicPartition, offset: KafkaOffset, err: Int32)]
    {
        guard let list, list.pointee.cnt > 0 else { return [] }
        return (0..<Int(list.pointee.cnt)).map { index in
            let element = list.pointee.elems[index]
            return (
                KafkaTopicPartition(topic: String(cString: element.topic), partition: KafkaPartition(element.partition)),
                KafkaOffset(element.offset),
                element.err.rawValue
            )
        }
    }

    /// Throws the first per-partition error, if any.
    func checkElements(_ operation: String) throws(KafkaError) {
        for element in elements where element.err != 0 {
            throw KafkaError(rdCode: element.err, detail: "\(operation) \(element.tp)")
        }
    }
}
