import PortraitKafka

extension TestCluster {
    /// The high watermark (end offset) of every partition of `topic`.
    func endOffsets(_ topic: String) throws -> [Int32: Int64] {
        let consumer = try KafkaConsumer(configuration: KafkaConfiguration(["bootstrap.servers": bootstrap]), logger: logger)
        defer { try? consumer.close() }
        let partitions = try consumer.partitionCount(topic: topic, timeout: .seconds(5))
        var result: [Int32: Int64] = [:]
        for partition in 0..<Int32(partitions) {
            let tp = KafkaTopicPartition(topic: topic, partition: KafkaPartition(rawValue: partition))
            result[partition] = try consumer.watermarks(tp, cached: false, timeout: .seconds(5)).high.rawValue
        }
        return result
    }

    /// Every record of `topic` still stored, each partition read from its start to the end offset it had when
    /// the call began.
    func readToEnd(_ topic: String, timeout: Duration = .seconds(30)) throws -> [KafkaMessage] {
        let ends = try endOffsets(topic)
        let consumer = try KafkaConsumer(
            configuration: KafkaConfiguration(["bootstrap.servers": bootstrap, "fetch.wait.max.ms": "10"]), logger: logger)
        defer { try? consumer.close() }
        var assignment: [KafkaTopicPartition: KafkaOffset] = [:]
        var low: [Int32: Int64] = [:]
        for partition in ends.keys {
            let tp = KafkaTopicPartition(topic: topic, partition: KafkaPartition(rawValue: partition))
            assignment[tp] = .beginning
            low[partition] = try consumer.watermarks(tp, cached: false, timeout: .seconds(5)).low.rawValue
        }
        try consumer.assign(assignment)
        var next = low
        var messages: [KafkaMessage] = []
        let deadline = ContinuousClock.now + timeout
        while ends.contains(where: { next[$0.key, default: 0] < $0.value }) {
            guard ContinuousClock.now < deadline else {
                throw TestTimeout(what: "reading \(topic) to its end: at \(next.sorted { $0.key < $1.key }), end \(ends.sorted { $0.key < $1.key })")
            }
            _ = try consumer.poll(maxMessages: 4_096, timeout: .milliseconds(100)) { message in
                let partition = message.partition.rawValue
                guard message.offset.rawValue < ends[partition, default: 0] else { return }
                messages.append(message.copy())
                next[partition] = message.offset.rawValue + 1
            }
        }
        return messages
    }
}
