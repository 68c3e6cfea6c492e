import Foundation
import Logging
import PortraitKafka
import PortraitService
import Synchronization

/// One benchmark run against one broker: preload, then kcat vs. Portrait for consuming and producing.
struct KafkaBenchRunner {
    let bootstrap: String
    let workload: KafkaBenchWorkload
    let partitions: Int
    let kcat: String
    let logger: Logger
    /// Extra librdkafka properties for our producer (e.g. `enable.idempotence=false` to match kcat's defaults).
    let producerProperties: [String: String]

    /// Produces the workload with our producer (untimed) so both consumers read the same log.
    func preload(topic: String) throws {
        let (delivered, failed, _) = try produceWithPortrait(topic: topic, readFile: false)
        guard failed == 0, delivered == workload.count else {
            throw BenchError("preload: \(delivered) delivered, \(failed) failed of \(workload.count)")
        }
        let stored = try highWatermarkSum(topic: topic)
        guard stored == workload.count else {
            throw BenchError("preload: \(delivered) delivered but the broker holds \(stored) (mock cap or loss)")
        }
    }

    func compareConsumers(topic: String) throws -> BenchKafka.Row {
        let kcatStart = (ContinuousClock.now, CPUTimes.now())
        let (kcatCount, kcatBytes) = try runKcatConsumer(topic: topic)
        let kcatTime = seconds(since: kcatStart.0)
        let kcatCPU = CPUTimes.now().children - kcatStart.1.children

        let ourStart = (ContinuousClock.now, CPUTimes.now())
        let (ourCount, ourBytes, checksum) = try consumeWithPortrait(topic: topic)
        let ourTime = seconds(since: ourStart.0)
        let ourCPU = CPUTimes.now().own - ourStart.1.own
        FileHandle.standardError.write(
            Data("consume: kcat \(kcatCount) records/\(kcatBytes) B in \(kcatTime) s; portrait \(ourCount)/\(ourBytes) B in \(ourTime) s, checksum \(checksum)\n".utf8))
        guard kcatCount == workload.count, ourCount == workload.count, kcatBytes == workload.valueBytes,
            ourBytes == workload.valueBytes
        else {
            throw BenchError("consume count mismatch: kcat \(kcatCount), portrait \(ourCount), expected \(workload.count)")
        }
        return BenchKafka.Row(
            operation: "consume", kcatRate: Double(kcatCount) / kcatTime, ourRate: Double(ourCount) / ourTime,
            kcatCPU: kcatCPU * 1e6 / Double(kcatCount), ourCPU: ourCPU * 1e6 / Double(ourCount), count: ourCount)
    }

    /// Times kcat -P and our producer on the same file. `kcatFirst: false` runs ours first: alternating the
    /// order between runs keeps whatever the first producer pays (a cold broker, page cache) off one side.
    func compareProducers(kcatTopic: String, ourTopic: String, kcatFirst: Bool = true) throws -> BenchKafka.Row {
        func timeKcat() throws -> (time: Double, cpu: Double) {
            let start = (ContinuousClock.now, CPUTimes.now())
            try runProcess(kcat, ["-P", "-b", bootstrap, "-t", kcatTopic, "-q", "-K", "\t", "-l", workload.file])
            return (seconds(since: start.0), CPUTimes.now().children - start.1.children)
        }
        func timeOurs() throws -> (time: Double, cpu: Double, delivered: Int, failed: Int,
            threads: (sender: Double, reports: Double))
        {
            let start = (ContinuousClock.now, CPUTimes.now())
            let (delivered, failed, threads) = try produceWithPortrait(topic: ourTopic, readFile: true)
            return (seconds(since: start.0), CPUTimes.now().own - start.1.own, delivered, failed, threads)
        }
        let kcatRun: (time: Double, cpu: Double)
        let ourRun: (time: Double, cpu: Double, delivered: Int, failed: Int, threads: (sender: Double, reports: Double))
        if kcatFirst {
            kcatRun = try timeKcat()
            ourRun = try timeOurs()
        } else {
            ourRun = try timeOurs()
            kcatRun = try timeKcat()
        }
        let (kcatTime, kcatCPU) = kcatRun
        let (ourTime, ourCPU, delivered, failed, threads) = ourRun
        let kcatCount = try highWatermarkSum(topic: kcatTopic)
        let ourStored = try highWatermarkSum(topic: ourTopic)
        guard ourStored == delivered else {
            throw BenchError("produce: \(delivered) delivered but the broker holds \(ourStored) (mock cap?)")
        }
        FileHandle.standardError.write(
            Data(
                ("produce: kcat \(kcatCount) in \(kcatTime) s; portrait \(delivered) delivered, \(failed) failed in "
                    + "\(ourTime) s; CPU µs/msg: sending thread \(threads.sender * 1e6 / Double(max(1, delivered))), "
                    + "delivery-report thread \(threads.reports * 1e6 / Double(max(1, delivered)))\n").utf8))
        guard kcatCount == workload.count, delivered == workload.count else {
            throw BenchError("produce count mismatch: kcat \(kcatCount), portrait \(delivered)")
        }
        return BenchKafka.Row(
            operation: "produce", kcatRate: Double(kcatCount) / kcatTime, ourRate: Double(delivered) / ourTime,
            kcatCPU: kcatCPU * 1e6 / Double(kcatCount), ourCPU: ourCPU * 1e6 / Double(delivered), count: delivered)
    }

    // MARK: Portrait

    private func consumeWithPortrait(topic: String) throws -> (count: Int, bytes: Int, checksum: UInt64) {
        let consumer = try KafkaConsumer(
            configuration: KafkaConfiguration(["bootstrap.servers": bootstrap]), logger: logger)
        var start: [KafkaTopicPartition: KafkaOffset] = [:]
        for partition in 0..<Int32(partitions) { start[KafkaTopicPartition(topic, partition)] = .beginning }
        try consumer.assign(start)
        var count = 0
        var bytes = 0
        var checksum: UInt64 = 0
        var idleSince = ContinuousClock.now
        while count < workload.count {
            let got = try consumer.poll(maxMessages: 1024, timeout: .milliseconds(100)) { message in
                if let value = message.value {
                    bytes &+= value.count
                    for byte in value { checksum &+= UInt64(byte) }
                }
                count += 1
            }
            if got > 0 {
                idleSince = .now
            } else if ContinuousClock.now - idleSince > .seconds(5) {
                break
            }
        }
        try consumer.close()
        return (count, bytes, checksum)
    }

    /// Produces the workload; also returns the CPU seconds of the sending thread and of the producer's
    /// delivery-report thread (read in the report handler), which split the process total less noisily.
    private func produceWithPortrait(topic: String, readFile: Bool) throws
        -> (delivered: Int, failed: Int, threads: (sender: Double, reports: Double))
    {
        let counts = Mutex<(ok: Int, failed: Int)>((0, 0))
        let reportThreadCPU = Atomic<Int>(0)
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(producerProperties.merging(["bootstrap.servers": bootstrap]) { $1 }),
            logger: logger
        ) { reports in
            var ok = 0
            for report in reports where report.error == nil { ok += 1 }
            counts.withLock { $0.ok += ok; $0.failed += reports.count - ok }
            reportThreadCPU.store(Self.threadCPUNanoseconds(), ordering: .relaxed)
        }
        let senderStart = Self.threadCPUNanoseconds()
        let handle = try producer.topic(topic)
        func send(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws {
            while true {
                do {
                    try producer.send(topic: handle, partition: nil, keyBytes: key, valueBytes: value, token: 0)
                    return
                } catch where error.code == .queueFull {
                    producer.waitForQueueSpace(timeout: .milliseconds(5))
                }
            }
        }
        if readFile {
            // Read the file as kcat does: streamed through one reused buffer, split at newlines and tabs.
            try KafkaBenchWorkload.forEachRecord(inFile: workload.file, send)
        } else {
            try workload.bytes.withUnsafeBytes { buffer in
                for index in 0..<workload.count {
                    let key = UnsafeRawBufferPointer(rebasing: buffer[workload.lineStarts[index]..<workload.tabs[index]])
                    let value = UnsafeRawBufferPointer(
                        rebasing: buffer[(workload.tabs[index] + 1)..<(workload.lineStarts[index + 1] - 1)])
                    try send(key, value)
                }
            }
        }
        let senderCPU = Double(Self.threadCPUNanoseconds() - senderStart) / 1e9
        try producer.flush(timeout: .seconds(120))
        producer.close(timeout: .seconds(5))
        let result = counts.withLock { $0 }
        return (result.ok, result.failed, (senderCPU, Double(reportThreadCPU.load(ordering: .relaxed)) / 1e9))
    }

    /// CPU time (user + system) of the calling thread (`RUSAGE_THREAD`) in nanoseconds.
    private static func threadCPUNanoseconds() -> Int {
        var usage = rusage()
        getrusage(1, &usage)  // RUSAGE_THREAD (Linux; Glibc exports it only under _GNU_SOURCE)
        return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1_000_000_000
            + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1_000
    }

    private func highWatermarkSum(topic: String) throws -> Int {
        let consumer = try KafkaConsumer(
            configuration: KafkaConfiguration(["bootstrap.servers": bootstrap]), logger: logger)
        defer { try? consumer.close() }
        var total = 0
        for partition in 0..<Int32(partitions) {
            let marks = try consumer.watermarks(KafkaTopicPartition(topic, partition), cached: false, timeout: .seconds(10))
            total += Int(marks.high.rawValue - marks.low.rawValue)
            if ProcessInfo.processInfo.environment["BENCH_DEBUG"] != nil {
                FileHandle.standardError.write(Data("\(topic)/\(partition): \(marks.low)..\(marks.high)\n".utf8))
            }
        }
        return total
    }

    // MARK: kcat

    func runKcatConsumer(topic: String) throws -> (count: Int, bytes: Int) {
        try Self.runKcatConsumer(kcat: kcat, bootstrap: bootstrap, topic: topic)
    }

    /// Reads `topic` from the beginning to its end with `kcat -C`, counting records and payload bytes.
    ///
    /// With `group`, kcat is a member of that consumer group instead (`kcat -G`, subscribing like portraitd, so it
    /// waits for the group join) and stops after `count` records (`-e` does not end a group consumer; should fewer
    /// arrive, it is stopped after 5 minutes and this throws). It gets portraitd's local queue sizes: with
    /// librdkafka 2.0.2's defaults a consumer that reads faster than one fetch stalls for ~1 s at a time (see
    /// LIBRDKAFKA-NOTES.md), and the comparison would flatter portraitd.
    static func runKcatConsumer(
        kcat: String, bootstrap: String, topic: String, group: (name: String, count: Int)? = nil
    ) throws -> (count: Int, bytes: Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        if let group {
            process.arguments = [
                kcat, "-b", bootstrap, "-G", group.name, topic, "-X", "auto.offset.reset=earliest",
                "-X", "queued.min.messages=\(KafkaConsumer.defaultProperties["queued.min.messages"]!)",
                "-X", "queued.max.messages.kbytes=\(KafkaConsumer.defaultProperties["queued.max.messages.kbytes"]!)",
                "-c", String(group.count), "-q", "-f", "%S\n",
            ]
        } else {
            process.arguments = [kcat, "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%S\n"]
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        if group != nil {
            DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(300)) { [process] in
                if process.isRunning { process.terminate() }
            }
        }
        var count = 0
        var bytes = 0
        var current = 0
        while true {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            for byte in chunk {
                if byte == UInt8(ascii: "\n") {
                    count += 1
                    bytes += current
                    current = 0
                } else {
                    current = current * 10 + Int(byte &- UInt8(ascii: "0"))
                }
            }
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("kcat \(group == nil ? "-C" : "-G") exited \(process.terminationStatus)")
        }
        return (count, bytes)
    }

    private func runProcess(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchError("\(executable) exited \(process.terminationStatus)") }
    }

    private func seconds(since start: ContinuousClock.Instant) -> Double {
        (ContinuousClock.now - start).inSeconds
    }
}
