import Foundation

/// The figures we use from librdkafka's `statistics.interval.ms` JSON: lag and offsets per partition, broker
/// round trips and states, queue depths and message counters.
public struct KafkaStatistics: Sendable {
    public struct Partition: Sendable, Hashable {
        public var topicPartition: KafkaTopicPartition
        /// `hi_offset - max(stored, committed)` as librdkafka computes it; -1 when unknown.
        public var consumerLag: Int64
        public var committedOffset: Int64
        public var storedOffset: Int64
        public var highOffset: Int64
        public var lowOffset: Int64
        /// Messages waiting in the local fetch queue.
        public var fetchQueueCount: Int64
    }

    public struct Broker: Sendable, Hashable {
        public var name: String
        public var nodeID: Int32
        /// `UP`, `DOWN`, `CONNECT`, …
        public var state: String
        /// Round-trip time average and p99, in microseconds.
        public var rttAverage: Int64
        public var rttP99: Int64
    }

    public var clientID: String
    /// Messages in the producer queue (`msg_cnt`).
    public var messageCount: Int64
    /// Ops waiting to be served by the application's poll (`replyq`).
    public var replyQueue: Int64
    public var transmittedMessages: Int64
    public var receivedMessages: Int64
    public var partitions: [Partition]
    public var brokers: [Broker]

    /// Parses librdkafka's statistics JSON; `nil` if it is not the expected shape.
    public init?(json: Data) {
        guard let root = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else { return nil }
        func int(_ dictionary: [String: Any], _ key: String) -> Int64 { (dictionary[key] as? NSNumber)?.int64Value ?? -1 }
        clientID = root["client_id"] as? String ?? ""
        messageCount = int(root, "msg_cnt")
        replyQueue = int(root, "replyq")
        transmittedMessages = int(root, "txmsgs")
        receivedMessages = int(root, "rxmsgs")
        var brokers: [Broker] = []
        for case let (name, value as [String: Any]) in root["brokers"] as? [String: Any] ?? [:] {
            let rtt = value["rtt"] as? [String: Any] ?? [:]
            brokers.append(
                Broker(
                    name: name, nodeID: Int32(truncatingIfNeeded: int(value, "nodeid")),
                    state: value["state"] as? String ?? "", rttAverage: int(rtt, "avg"), rttP99: int(rtt, "p99")))
        }
        var partitions: [Partition] = []
        for case let (topic, value as [String: Any]) in root["topics"] as? [String: Any] ?? [:] {
            for case let (id, p as [String: Any]) in value["partitions"] as? [String: Any] ?? [:] {
                guard let number = Int32(id), number >= 0 else { continue }  // skip the -1 "UA" pseudo partition
                partitions.append(
                    Partition(
                        topicPartition: KafkaTopicPartition(topic, number), consumerLag: int(p, "consumer_lag"),
                        committedOffset: int(p, "committed_offset"), storedOffset: int(p, "stored_offset"),
                        highOffset: int(p, "hi_offset"), lowOffset: int(p, "lo_offset"),
                        fetchQueueCount: int(p, "fetchq_cnt")))
            }
        }
        self.brokers = brokers.sorted { $0.nodeID < $1.nodeID }
        self.partitions = partitions.sorted {
            ($0.topicPartition.topic, $0.topicPartition.partition) < ($1.topicPartition.topic, $1.topicPartition.partition)
        }
    }
}
