import Foundation
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

    /// Back-pressure pauses and resumes between batch polls: every record arrives once, in order, none skipped
    /// (librdkafka 2.0.x could skip offsets around pause/resume with the batch API; the resume rewinds).
    @Test func pauseResumeCyclesBetweenBatchPollsDeliverEveryRecordOnce() throws {
        let cluster = try TestCluster(topics: ["pr": 4])
        let producer = try cluster.producer(reports: DeliveryCollector())
        let perPartition = 400
        try produce(producer, topic: "pr", partitions: 4, perPartition: perPartition, tag: "r")
        let consumer = try KafkaConsumer(configuration: cluster.consumerConfiguration(group: "pr-group"), logger: cluster.logger)
        try consumer.subscribe(topics: ["pr"])
        var offsets: [Int32: [Int64]] = [:]
        var polls = 0
        var cycles = 0
        let deadline = ContinuousClock.now + .seconds(40)
        while offsets.values.reduce(0, { $0 + $1.count }) < 4 * perPartition && ContinuousClock.now < deadline {
            _ = try consumer.poll(maxMessages: 37, timeout: .milliseconds(50)) { message in
                offsets[message.partition.rawValue, default: []].append(message.offset.rawValue)
            }
            polls += 1
            let assigned = try consumer.assignment()
            if polls % 2 == 0 && !assigned.isEmpty {
                try consumer.pause(assigned)
                _ = try consumer.poll(maxMessages: 37, timeout: .milliseconds(5)) { message in
                    Issue.record("record of paused partition \(message.partition.rawValue) at \(message.offset.rawValue)")
                }
                try consumer.resume(assigned)
                cycles += 1
            }
        }
        #expect(cycles > 10)
        for partition in Int32(0)..<4 {
            #expect(offsets[partition] == Array(0..<Int64(perPartition)), "partition \(partition)")
        }
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

/// `wakeUp` ends a poll's wait for records from another thread (the ingest thread stores offsets between polls).
@Suite(.timeLimit(.minutes(1)))
struct KafkaConsumerWakeUpTests {
    @Test func wakeUpEndsOnlyAPollWaitingForItsFirstRecord() throws {
        let cluster = try TestCluster(topics: ["w": 1])
        let consumer = try KafkaConsumer(configuration: cluster.consumerConfiguration(), logger: cluster.logger)
        try consumer.assign([KafkaTopicPartition("w", 0): .beginning])
        let woken = Flag()
        let waker = Thread {
            Thread.sleep(forTimeInterval: 0.2)
            woken.value.store(true, ordering: .sequentiallyConsistent)
            consumer.wakeUp()
        }
        waker.start()
        // Nothing is ever produced: only the wake-up can end this poll before its 40 s timeout (and the suite's
        // one-minute limit), and it must come after the other thread's call.
        let started = ContinuousClock.now
        let count = try consumer.poll(maxMessages: 10, timeout: .seconds(40)) { _ in }
        #expect(count == 0)
        let wokenBefore = woken.value.load(ordering: .sequentiallyConsistent)
        #expect(wokenBefore)
        #expect(ContinuousClock.now - started < .seconds(30))

        // A wake-up with no poll waiting does nothing: the next poll still waits for the records produced later
        // (it would otherwise return at once, empty), and none is lost.
        consumer.wakeUp()
        let producer = try cluster.producer(reports: DeliveryCollector())
        let late = Thread {
            Thread.sleep(forTimeInterval: 0.3)
            try? produce(producer, topic: "w", partitions: 1, perPartition: 3, tag: "w")
        }
        late.start()
        var records: [KafkaMessage] = []
        let first = try consumer.poll(maxMessages: 10, timeout: .seconds(40)) { records.append($0.copy()) }
        #expect(first >= 1)
        records += try consumer.collect(3 - records.count)
        #expect(records.map(\.offset.rawValue) == [0, 1, 2])
        try consumer.close()
        producer.close(timeout: .seconds(5))
    }
}

private final class Flag: Sendable {
    let value = Atomic<Bool>(false)
}
