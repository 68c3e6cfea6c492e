import Logging
import PortraitKafka

/// Reads one partition of the profiles topic — the changelog — from an offset to the end it has when the
/// read starts, handing each record's user id and encoded state (the `portrait.state` header) over in chunks.
///
/// Uses its own consumer with manual assignment (no group, no commits), so it never disturbs the group.
struct ChangelogReader {
    /// The header that carries a profile record's full encoded state (`ProfileStateCodec`).
    static let stateHeader = "portrait.state"

    struct Record: Sendable {
        var userId: String
        var state: [UInt8]
    }

    var configuration: KafkaConfiguration
    var topic: String
    var logger: Logger

    /// The partition's current end (high watermark), the offset a snapshot taken now covers up to.
    func end(partition: Int32) throws -> Int64 {
        let consumer = try makeConsumer()
        defer { try? consumer.close() }
        return try consumer.watermarks(tp(partition), cached: false, timeout: .seconds(10)).high.rawValue
    }

    /// The partition's first offset still held (low watermark): a snapshot that ends below it is too old.
    func start(partition: Int32) throws -> Int64 {
        let consumer = try makeConsumer()
        defer { try? consumer.close() }
        return try consumer.watermarks(tp(partition), cached: false, timeout: .seconds(10)).low.rawValue
    }

    /// Reads `[from, end)` of `partition`; `chunk` receives records in offset order, about `chunkSize` at a time.
    /// Returns how many records were read. `progress` is called with (read, total) after each chunk.
    @discardableResult
    func read(
        partition: Int32,
        from start: Int64,
        chunkSize: Int = 16_384,
        progress: (Int, Int) -> Void = { _, _ in },
        chunk: ([Record]) -> Void
    ) throws -> Int {
        let consumer = try makeConsumer()
        defer { try? consumer.close() }
        let (low, high) = try consumer.watermarks(tp(partition), cached: false, timeout: .seconds(10))
        let from = max(start, low.rawValue)
        guard high.rawValue > from else { return 0 }
        try consumer.assign([tp(partition): KafkaOffset(rawValue: from)])
        let total = Int(high.rawValue - from)
        var records: [Record] = []
        records.reserveCapacity(chunkSize)
        var read = 0
        var next = from
        var idle = 0
        while next < high.rawValue {
            let count = try consumer.poll(maxMessages: chunkSize, timeout: .milliseconds(200)) { message in
                next = message.offset.rawValue + 1
                guard message.offset.rawValue < high.rawValue, let key = message.key,
                    let userId = String(validating: key, as: UTF8.self), let state = message.header(named: Self.stateHeader)?.value
                else { return }
                records.append(Record(userId: userId, state: state))
            }
            read += count
            if !records.isEmpty {
                chunk(records)
                records.removeAll(keepingCapacity: true)
                progress(Int(next - from), total)
            }
            // Compaction and transaction markers can leave the end without a record: stop when nothing
            // arrives for a while although the end was not seen.
            idle = count == 0 ? idle + 1 : 0
            if idle >= 25 {
                logger.warning("changelog \(topic)/\(partition): nothing after offset \(next) below its end \(high.rawValue); treating as read")
                break
            }
        }
        return read
    }

    private func tp(_ partition: Int32) -> KafkaTopicPartition {
        KafkaTopicPartition(topic: topic, partition: KafkaPartition(rawValue: partition))
    }

    private func makeConsumer() throws -> KafkaConsumer {
        var configuration = configuration
        configuration["group.id"] = nil
        configuration["group.instance.id"] = nil
        configuration["enable.partition.eof"] = nil
        configuration["fetch.wait.max.ms"] = configuration["fetch.wait.max.ms"] ?? "10"
        // Restore reads one partition from its start as fast as it can: large fetches, and a local queue
        // deep enough that 2.0.2's fetch stall (queue above `queued.min.messages` → next fetch ~1 s later)
        // never triggers while the engine installs a chunk.
        configuration["fetch.max.bytes"] = "67108864"
        configuration["max.partition.fetch.bytes"] = "16777216"
        configuration["queued.min.messages"] = "1000000"
        configuration["queued.max.messages.kbytes"] = "262144"
        return try KafkaConsumer(configuration: configuration, logger: logger)
    }
}
