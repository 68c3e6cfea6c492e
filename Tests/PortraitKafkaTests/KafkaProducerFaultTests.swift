import Testing

@testable import PortraitKafka

@Suite(.timeLimit(.minutes(1)))
struct KafkaProducerFaultTests {
    @Test func deliveryFailsWithMessageTimeoutWhileTheBrokerIsDown() throws {
        let cluster = try TestCluster(topics: ["down": 1])
        let reports = DeliveryCollector()
        // A short reconnect backoff: after the outage the producer must be back well within the message timeout.
        let producer = try cluster.producer(
            ["message.timeout.ms": "1500", "reconnect.backoff.ms": "50", "reconnect.backoff.max.ms": "200"], reports: reports)
        try producer.send(topic: "down", partition: nil, key: nil, value: [0], token: 0)
        try producer.flush(timeout: .seconds(10))  // connected, metadata known
        try cluster.mock.setBrokerDown(1)
        for token in 1...5 { try producer.send(topic: "down", partition: nil, key: nil, value: [1], token: UInt64(token)) }
        let failed = reports.wait(for: 6).filter { $0.token > 0 }
        #expect(failed.count == 5)
        #expect(failed.allSatisfy { $0.error?.code == .messageTimedOut && $0.error?.isRetriable == true })
        #expect(failed.allSatisfy { $0.offset == .invalid })

        try cluster.mock.setBrokerUp(1)
        try producer.send(topic: "down", partition: nil, key: nil, value: [2], token: 100)
        try producer.flush(timeout: .seconds(15))
        let recovered = try #require(reports.wait(for: 7).first { $0.token == 100 })
        #expect(recovered.error == nil)
        #expect(producer.fatalError == nil)
        producer.close(timeout: .seconds(5))
    }

    @Test func producerRidesThroughOutageAndRetriesWithoutDuplicates() throws {
        let cluster = try TestCluster(topics: ["idem": 2])
        let reports = DeliveryCollector()
        let producer = try cluster.producer(reports: reports)
        try producer.send(topic: "idem", partition: nil, key: [0], value: [0], token: 1_000)
        try producer.flush(timeout: .seconds(10))
        cluster.mock.pushRequestErrors(.produce, errors: [.notLeaderForPartition, .requestTimedOut, .notEnoughReplicas])
        for index in 0..<100 {
            try producer.send(topic: "idem", partition: nil, key: [UInt8]("u\(index)"), value: [UInt8]("a\(index)"), token: UInt64(index))
        }
        try cluster.mock.setBrokerDown(1)
        for index in 100..<200 {
            try producer.send(topic: "idem", partition: nil, key: [UInt8]("u\(index)"), value: [UInt8]("a\(index)"), token: UInt64(index))
        }
        sleepMilliseconds(800)
        try cluster.mock.setBrokerUp(1)
        try producer.flush(timeout: .seconds(30))
        let all = reports.wait(for: 201)
        #expect(all.count == 201)
        #expect(all.allSatisfy { $0.error == nil }, "\(all.compactMap(\.error).first.map(String.init(describing:)) ?? "")")
        #expect(producer.fatalError == nil)
        producer.close(timeout: .seconds(5))

        let consumer = try KafkaConsumer(configuration: cluster.consumerConfiguration(), logger: cluster.logger)
        try consumer.assign([KafkaTopicPartition("idem", 0): .beginning, KafkaTopicPartition("idem", 1): .beginning])
        var messages = try consumer.collect(201)
        messages += try consumer.drain(for: .milliseconds(300))
        #expect(messages.count == 201, "exactly once in the log: no duplicate from retries")
        #expect(Set(messages.map(\.value)).count == 201)
        try consumer.close()
    }

    @Test func fullLocalQueueIsRetriableAndFreedByDeliveries() throws {
        let cluster = try TestCluster(topics: ["full": 1])
        let reports = DeliveryCollector()
        let producer = try cluster.producer(["queue.buffering.max.messages": "10", "linger.ms": "50"], reports: reports)
        let topic = try producer.topic("full")
        var sent = 0
        var queueFull: KafkaError?
        while sent < 30 {
            do {
                let payload = [UInt8]("m\(sent)")
                try payload.withUnsafeBytes { value in
                    try producer.send(topic: topic, partition: nil, keyBytes: nil, valueBytes: value, token: UInt64(sent))
                }
                sent += 1
            } catch let error as KafkaError {
                queueFull = queueFull ?? error
                #expect(error.code == .queueFull)
                producer.waitForQueueSpace(timeout: .milliseconds(200))
            }
        }
        #expect(queueFull?.isRetriable == true)
        try producer.flush(timeout: .seconds(10))
        #expect(reports.wait(for: 30).filter { $0.error == nil }.count == 30)
        producer.close(timeout: .seconds(5))
    }

    @Test func sendAfterCloseIsRefused() throws {
        let cluster = try TestCluster(topics: ["closed": 1])
        let producer = try cluster.producer(reports: DeliveryCollector())
        producer.close(timeout: .seconds(1))
        #expect(throws: KafkaError.self) {
            try producer.send(topic: "closed", partition: nil, key: nil, value: [1], token: 0)
        }
    }
}
