import Synchronization
import Testing

@testable import PortraitKafka

@Suite(.timeLimit(.minutes(1)))
struct KafkaPauseResumeTests {
    @Test func pauseStopsAndResumeRestartsOnePartition() throws {
        let cluster = try TestCluster(topics: ["p": 2])
        let producer = try cluster.producer(reports: DeliveryCollector())
        let consumer = try KafkaConsumer(configuration: cluster.consumerConfiguration(), logger: cluster.logger)
        let p0 = KafkaTopicPartition("p", 0)
        let p1 = KafkaTopicPartition("p", 1)
        try consumer.assign([p0: .beginning, p1: .beginning])
        try consumer.pause([p0])
        try produce(producer, topic: "p", partitions: 2, perPartition: 5, tag: "x")
        let whilePaused = try consumer.collect(5) + consumer.drain(for: .milliseconds(500))
        #expect(whilePaused.count == 5)
        #expect(whilePaused.allSatisfy { $0.partition == p1.partition })

        try consumer.resume([p0])
        let afterResume = try consumer.collect(5)
        #expect(afterResume.count == 5)
        #expect(afterResume.allSatisfy { $0.partition == p0.partition })

        try consumer.seek(p0, to: KafkaOffset(3), timeout: .seconds(5))
        let replay = try consumer.collect(2)
        #expect(replay.map(\.offset.rawValue) == [3, 4])
        try consumer.close()
        producer.close(timeout: .seconds(5))
    }

    @Test func statisticsReportPartitionOffsetsAndBrokers() throws {
        let cluster = try TestCluster(topics: ["st": 1])
        let producer = try cluster.producer(reports: DeliveryCollector())
        try produce(producer, topic: "st", partitions: 1, perPartition: 3, tag: "s")
        let latest = Mutex<KafkaStatistics?>(nil)
        let consumer = try KafkaConsumer(
            configuration: cluster.consumerConfiguration(["statistics.interval.ms": "100"]), logger: cluster.logger,
            statistics: { stats in latest.withLock { $0 = stats } })
        try consumer.assign([KafkaTopicPartition("st", 0): .beginning])
        _ = try consumer.collect(3)
        let deadline = ContinuousClock.now + .seconds(10)
        var partition: KafkaStatistics.Partition?
        while ContinuousClock.now < deadline {
            _ = try consumer.drain(for: .milliseconds(100))
            partition = latest.withLock { $0 }?.partitions.first { $0.topicPartition == KafkaTopicPartition("st", 0) }
            if partition?.highOffset == 3 { break }
        }
        #expect(partition?.highOffset == 3)
        #expect(latest.withLock { $0 }?.brokers.contains { $0.state == "UP" } == true)
        try consumer.close()
        producer.close(timeout: .seconds(5))
    }
}
