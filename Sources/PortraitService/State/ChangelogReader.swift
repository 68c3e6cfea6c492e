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
        try withSession { try $0.end(partition: partition) }
    }

    /// Runs `body` with one consumer for any number of reads: restoring many partitions then pays one client
    /// start-up (connection, metadata: ~10 ms on a local broker) instead of one per partition and call.
    func withSession<R>(_ body: (Session) throws -> R) throws -> R {
        let session = try openSession()
        defer { session.close() }
        return try body(session)
    }

    /// A session the caller closes (``Session/close()``) when done with it.
    func openSession() throws -> Session {
        Session(reader: self, consumer: try makeConsumer())
    }

    /// One consumer of the changelog, reassigned for each read (manual assignment, so reads never overlap).
    struct Session {
        let reader: ChangelogReader
        let consumer: KafkaConsumer

        func close() { try? consumer.close() }

        /// The partition's current end (high watermark).
        func end(partition: Int32) throws -> Int64 {
            try consumer.watermarks(reader.tp(partition), cached: false, timeout: .seconds(10)).high.rawValue
        }

        /// The partition's first offset still held (low watermark).
        func start(partition: Int32) throws -> Int64 {
            try consumer.watermarks(reader.tp(partition), cached: false, timeout: .seconds(10)).low.rawValue
        }

        /// Empty 200 ms polls (30 s) after which records missing below the end are taken as compacted away.
        static let idlePollsBeforeEnd = 150

        /// Reads `[from, end)` of `partition`; `chunk` receives records in offset order, about `chunkSize` at a
        /// time. Returns how many records were read. `progress` is called with (read, total) after each chunk.
        @discardableResult
        func read(
            partition: Int32,
            from start: Int64,
            chunkSize: Int = 16_384,
            progress: (Int, Int) -> Void = { _, _ in },
            chunk: ([Record]) -> Void
        ) throws -> Int {
            let topic = reader.topic
            let (low, high) = try consumer.watermarks(reader.tp(partition), cached: false, timeout: .seconds(10))
            let from = max(start, low.rawValue)
            guard high.rawValue > from else { return 0 }
            try consumer.assign([reader.tp(partition): KafkaOffset(rawValue: from)])
            let total = Int(high.rawValue - from)
            var records: [Record] = []
            records.reserveCapacity(chunkSize)
            var read = 0
            var next = from
            var idle = 0
            while next < high.rawValue {
                let count = try consumer.poll(maxMessages: chunkSize, timeout: .milliseconds(200)) { message in
                    // A record of a partition read before (still buffered locally) is not this read's.
                    guard message.partition.rawValue == partition else { return }
                    next = message.offset.rawValue + 1
                    guard message.offset.rawValue < high.rawValue, let key = message.key,
                        let userId = String(validating: key, as: UTF8.self),
                        let state = message.header(named: ChangelogReader.stateHeader)?.value
                    else { return }
                    records.append(Record(userId: userId, state: state))
                }
                read += count
                if !records.isEmpty {
                    chunk(records)
                    records.removeAll(keepingCapacity: true)
                    progress(Int(next - from), total)
                }
                guard count == 0 else {
                    idle = 0
                    continue
                }
                // Transaction markers (and compaction) can leave the end without a record to deliver; librdkafka's
                // position moves past filtered control records, so it tells "read" from "not fetched yet".
                if let position = try consumer.position(reader.tp(partition)), position.rawValue >= high.rawValue { break }
                // Only a long silence counts as the end: a fetch can stall for a second or more on a loaded host
                // (2.0.2 backs off when its queue is full), and stopping early would restore a stale state.
                idle += 1
                if idle >= Self.idlePollsBeforeEnd {
                    reader.logger.warning("changelog \(topic)/\(partition): nothing after offset \(next) below its end \(high.rawValue) for \(idle / 5) s; treating as read")
                    break
                }
            }
            return read
        }
    }

    fileprivate func tp(_ partition: Int32) -> KafkaTopicPartition {
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
