import Testing

@testable import PortraitKafka

@Suite(.timeLimit(.minutes(1)))
struct KafkaRoundTripTests {
    @Test func keysNullValuesHeadersAndExplicitPartitionsRoundTrip() throws {
        let cluster = try TestCluster(topics: ["rt": 3])
        let reports = DeliveryCollector()
        let producer = try cluster.producer(reports: reports)
        let headers = [KafkaHeader(key: "portrait.error", string: "invalid_json"), KafkaHeader(key: "empty", value: nil)]
        for index in 0..<30 {
            try producer.send(
                topic: "rt", partition: KafkaPartition(Int32(index % 3)), key: [UInt8]("user-\(index)"),
                value: index == 7 ? nil : [UInt8]("value-\(index)"), headers: index == 4 ? headers : [],
                token: UInt64(index))
        }
        try producer.send(topic: "rt", partition: KafkaPartition(2), key: nil, value: [UInt8]("no key"), token: 99)
        try producer.flush(timeout: .seconds(10))
        let delivered = reports.wait(for: 31)
        #expect(delivered.count == 31)
        #expect(delivered.allSatisfy { $0.error == nil && $0.offset.isConcrete })
        #expect(Set(delivered.map(\.token)) == Set((0..<30).map(UInt64.init) + [99]))
        producer.close(timeout: .seconds(5))

        let consumer = try KafkaConsumer(configuration: cluster.consumerConfiguration(), logger: cluster.logger)
        try consumer.assign(
            Dictionary(uniqueKeysWithValues: (0..<3).map { (KafkaTopicPartition("rt", $0), KafkaOffset.beginning) }))
        let messages = try consumer.collect(31)
        #expect(messages.count == 31)
        for message in messages where message.key != nil {
            let index = Int(String(decoding: message.key!.dropFirst(5), as: UTF8.self))!
            #expect(message.partition == KafkaPartition(Int32(index % 3)))
            #expect(message.value == (index == 7 ? nil : [UInt8]("value-\(index)")))
            #expect(message.headers == (index == 4 ? headers : []))
            #expect(message.timestamp != nil)
        }
        let keyless = try #require(messages.first { $0.key == nil })
        #expect(keyless.value == [UInt8]("no key"))
        #expect(keyless.partition == KafkaPartition(2))
        for partition in 0..<3 {
            let inPartition = messages.filter { $0.partition == KafkaPartition(Int32(partition)) && $0.key != nil }
            let indexes = inPartition.map { Int(String(decoding: $0.key!.dropFirst(5), as: UTF8.self))! }
            #expect(indexes == indexes.sorted(), "order within partition \(partition)")
            #expect(inPartition.map(\.offset.rawValue) == inPartition.map(\.offset.rawValue).sorted())
        }
        try consumer.close()
    }

    @Test func viewHeaderLookupAndZeroCopyAccess() throws {
        let cluster = try TestCluster(topics: ["hv": 1])
        let reports = DeliveryCollector()
        let producer = try cluster.producer(reports: reports)
        try producer.send(
            topic: "hv", partition: nil, key: [UInt8]("k"), value: [1, 2, 3],
            headers: [KafkaHeader(key: "a", string: "1"), KafkaHeader(key: "a", string: "2")], token: 1)
        try producer.flush(timeout: .seconds(10))
        let consumer = try KafkaConsumer(configuration: cluster.consumerConfiguration(), logger: cluster.logger)
        try consumer.assign([KafkaTopicPartition("hv", 0): .beginning])
        var seen = 0
        let deadline = ContinuousClock.now + .seconds(10)
        while seen == 0 && ContinuousClock.now < deadline {
            seen += try consumer.poll(maxMessages: 10, timeout: .milliseconds(100)) { view in
                #expect(view.topic == "hv")
                #expect(view.value.map { Array($0) } == [1, 2, 3])
                #expect(view.header(named: "a")?.value == [UInt8]("2"))
                #expect(view.header(named: "missing") == nil)
                #expect(view.headers.count == 2)
            }
        }
        #expect(seen == 1)
        #expect(try consumer.partitionCount(topic: "hv", timeout: .seconds(5)) == 1)
        let marks = try consumer.watermarks(KafkaTopicPartition("hv", 0), cached: false, timeout: .seconds(5))
        #expect(marks.low == KafkaOffset(0) && marks.high == KafkaOffset(1))
        try consumer.close()
        producer.close(timeout: .seconds(5))
    }
}
