import Synchronization
import Testing

@testable import PortraitKafka

/// Records what the group did and commits synchronously on revoke, as the service will.
final class RecordingRebalanceHandler: KafkaRebalanceHandler {
    let assigned = Mutex<[KafkaTopicPartition]>([])
    let revoked = Mutex<[KafkaTopicPartition]>([])

    func partitionsAssigned(_ tps: [KafkaTopicPartition], consumer: KafkaConsumer) {
        assigned.withLock { $0.append(contentsOf: tps) }
    }

    func partitionsRevoked(_ tps: [KafkaTopicPartition], lost: Bool, consumer: KafkaConsumer) {
        revoked.withLock { $0.append(contentsOf: tps) }
        if !lost { try? consumer.commit(synchronously: true) }
    }
}

/// A consumer that stores "processed up to" after every message it records.
final class TrackingConsumer {
    let consumer: KafkaConsumer
    let handler = RecordingRebalanceHandler()
    var seen: [KafkaMessage] = []

    init(_ cluster: TestCluster, group: String, topic: String, _ extra: [String: String] = [:]) throws {
        consumer = try KafkaConsumer(
            configuration: cluster.consumerConfiguration(group: group, extra), rebalanceHandler: handler,
            logger: cluster.logger)
        try consumer.subscribe(topics: [topic])
    }

    func pollOnce() throws {
        _ = try consumer.poll(maxMessages: 256, timeout: .milliseconds(20)) { view in
            seen.append(view.copy())
            try consumer.storeOffset(view.topicPartition, nextOffset: KafkaOffset(view.offset.rawValue + 1))
        }
    }
}

func produce(_ producer: KafkaProducer, topic: String, partitions: Int32, perPartition: Int, tag: String) throws {
    for partition in 0..<partitions {
        for index in 0..<perPartition {
            try producer.send(
                topic: topic, partition: KafkaPartition(partition), key: [UInt8]("k\(index)"),
                value: [UInt8]("\(tag)-\(partition)-\(index)"), token: 0)
        }
    }
    try producer.flush(timeout: .seconds(10))
}

@Suite(.timeLimit(.minutes(1)))
struct KafkaConsumerGroupTests {
    @Test func twoConsumersSplitThenSurvivorTakesAllAndRestartResumes() throws {
        let cluster = try TestCluster(topics: ["g": 4])
        let reports = DeliveryCollector()
        let producer = try cluster.producer(reports: reports)
        try produce(producer, topic: "g", partitions: 4, perPartition: 40, tag: "wave1")

        let a = try TrackingConsumer(cluster, group: "grp", topic: "g")
        let b = try TrackingConsumer(cluster, group: "grp", topic: "g")
        var deadline = ContinuousClock.now + .seconds(30)
        var split = false
        while ContinuousClock.now < deadline {
            try a.pollOnce()
            try b.pollOnce()
            split = try a.consumer.assignment().count == 2 && b.consumer.assignment().count == 2
            if split && a.seen.count + b.seen.count >= 160 { break }
        }
        #expect(split, "two consumers split 4 partitions 2/2")
        #expect(Set(try a.consumer.assignment()).isDisjoint(with: try b.consumer.assignment()))

        try b.consumer.close()
        try produce(producer, topic: "g", partitions: 4, perPartition: 40, tag: "wave2")
        deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            try a.pollOnce()
            if try a.consumer.assignment().count == 4 && Set(a.seen.map(\.value) + b.seen.map(\.value)).count >= 320 {
                break
            }
        }
        #expect(try a.consumer.assignment().count == 4, "the survivor owns all 4 partitions")
        let everything = a.seen + b.seen
        for partition in 0..<Int32(4) {
            let offsets = Set(everything.filter { $0.partition == KafkaPartition(partition) }.map(\.offset.rawValue))
            #expect(offsets == Set(0..<80), "no message lost in partition \(partition)")
        }
        try a.consumer.close()

        try produce(producer, topic: "g", partitions: 4, perPartition: 1, tag: "wave3")
        let c = try TrackingConsumer(cluster, group: "grp", topic: "g")
        deadline = ContinuousClock.now + .seconds(20)
        while c.seen.count < 4 && ContinuousClock.now < deadline { try c.pollOnce() }
        for _ in 0..<10 { try c.pollOnce() }
        #expect(c.seen.count == 4, "restart resumes from committed offsets, not the beginning")
        #expect(c.seen.allSatisfy { $0.offset == KafkaOffset(80) })
        try c.consumer.close()
        producer.close(timeout: .seconds(5))
    }

    @Test func onlyStoredOffsetsAreCommitted() throws {
        let cluster = try TestCluster(topics: ["s": 1])
        let producer = try cluster.producer(reports: DeliveryCollector())
        try produce(producer, topic: "s", partitions: 1, perPartition: 10, tag: "s")
        let tp = KafkaTopicPartition("s", 0)

        let consumer = try KafkaConsumer(
            configuration: cluster.consumerConfiguration(group: "st", ["enable.auto.commit": "false"]),
            logger: cluster.logger)
        try consumer.subscribe(topics: ["s"])
        let messages = try consumer.collect(10)
        #expect(messages.count == 10)
        try consumer.commit(synchronously: true)  // nothing stored yet: no commit, no error
        #expect(try consumer.committedOffsets([tp], timeout: .seconds(5))[tp] == .invalid)
        try consumer.storeOffset(tp, nextOffset: KafkaOffset(5))
        try consumer.commit(synchronously: true)
        #expect(try consumer.committedOffsets([tp], timeout: .seconds(5))[tp] == KafkaOffset(5))
        try consumer.close()

        let restarted = try KafkaConsumer(
            configuration: cluster.consumerConfiguration(group: "st"), logger: cluster.logger)
        try restarted.subscribe(topics: ["s"])
        let again = try restarted.collect(5)
        #expect(again.map(\.offset.rawValue) == Array(5..<10))
        try restarted.close()
        producer.close(timeout: .seconds(5))
    }

    @Test func groupErrorsDuringJoinAreRiddenThrough() throws {
        let cluster = try TestCluster(topics: ["e": 2])
        let producer = try cluster.producer(reports: DeliveryCollector())
        try produce(producer, topic: "e", partitions: 2, perPartition: 5, tag: "e")
        cluster.mock.pushRequestErrors(.syncGroup, errors: [.invalidRequest, .rebalanceInProgress])
        cluster.mock.pushRequestErrors(.joinGroup, errors: [.coordinatorNotAvailable])
        cluster.mock.pushRequestErrors(.heartbeat, errors: [.rebalanceInProgress])
        let consumer = try TrackingConsumer(cluster, group: "err", topic: "e")
        let deadline = ContinuousClock.now + .seconds(30)
        while consumer.seen.count < 10 && ContinuousClock.now < deadline { try consumer.pollOnce() }
        #expect(consumer.seen.count == 10)
        #expect(consumer.consumer.fatalError == nil)
        try consumer.consumer.close()
        producer.close(timeout: .seconds(5))
    }
}
