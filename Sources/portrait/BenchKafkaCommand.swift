import ArgumentParser
import Foundation
import Logging
import PortraitKafka
import Synchronization

/// `portrait bench kafka`: our consumer and producer against kcat (both librdkafka) on a fresh dev broker.
struct BenchKafka: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka",
        abstract: "Compare Portrait's Kafka consumer and producer with kcat on a fresh dev broker per run.",
        discussion: """
            Preloads --messages records of --message-size bytes into a --partitions topic of a `portrait dev-broker` \
            child process, then times kcat -C and our consumer reading all of them (ours checksums every payload \
            byte), and kcat -P and our producer writing the same file to separate topics (kcat first on odd runs, ours \
            first on even runs). Build with -c release.
            """
    )

    @Option(help: "Records per run.") var messages: Int = 1_000_000
    @Option(help: "Partitions per topic (keep messages × size / partitions under the mock's ~5 MiB cap).")
    var partitions: Int = 64
    @Option(help: "Approximate record size in bytes.") var messageSize: Int = 200
    @Option(help: "Runs, each on a fresh broker; the table shows every run and the median ratios.") var runs: Int = 1
    @Option(help: "kcat executable.") var kcat: String = "kcat"
    @Option(help: "Run only `consume` or `produce` (e.g. for profiling).") var only: String?
    @Option(name: .customLong("producer-property"), help: "KEY=VALUE librdkafka property for our producer (repeatable).")
    var producerProperties: [String] = []

    func validate() throws {
        for property in producerProperties where !property.contains("=") {
            throw ValidationError("--producer-property must be KEY=VALUE, got \"\(property)\"")
        }
        guard messages > 0, partitions > 0, messageSize >= 64, runs > 0 else {
            throw ValidationError("--messages, --partitions, --runs must be positive and --message-size ≥ 64")
        }
    }

    struct Row {
        var operation: String
        var kcatRate: Double
        var ourRate: Double
        var kcatCPU: Double
        var ourCPU: Double
        var count: Int
        var ratio: Double { ourRate / kcatRate }
    }

    func run() throws {
        var logger = Logger(label: "portrait.bench", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .error
        let perPartitionBytes = messages * messageSize / max(1, partitions)
        if perPartitionBytes > 4_500_000 {
            logger.error("≈\(perPartitionBytes) bytes per partition exceeds the mock's ~5 MiB cap: data will be lost")
        }
        let workload = try KafkaBenchWorkload(messages: messages, size: messageSize)
        defer { workload.remove() }
        var rows: [Row] = []
        for run in 1...runs {
            FileHandle.standardError.write(Data("run \(run)/\(runs): starting dev broker\n".utf8))
            let broker = try DevBrokerProcess(topics: [
                "bench.consume:\(partitions)", "bench.produce.kcat:\(partitions)",
                "bench.produce.portrait:\(partitions)",
            ])
            defer { broker.stop() }
            let bench = KafkaBenchRunner(
                bootstrap: broker.bootstrapServers, workload: workload, partitions: partitions, kcat: kcat,
                logger: logger,
                producerProperties: Dictionary(
                    producerProperties.map { property in
                        let parts = property.split(separator: "=", maxSplits: 1).map(String.init)
                        return (parts[0], parts.count > 1 ? parts[1] : "")
                    }, uniquingKeysWith: { $1 }))
            var results: [Row] = []
            if only != "produce" {
                try bench.preload(topic: "bench.consume")
                results.append(try bench.compareConsumers(topic: "bench.consume"))
            }
            if only != "consume" {
                results.append(
                    try bench.compareProducers(
                        kcatTopic: "bench.produce.kcat", ourTopic: "bench.produce.portrait", kcatFirst: run % 2 == 1))
            }
            rows.append(contentsOf: results.map { row in
                var row = row
                row.operation += " (run \(run))"
                return row
            })
        }
        printTable(rows)
    }

    private func printTable(_ rows: [Row]) {
        func format(_ value: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", value) }
        print("")
        print("Kafka client benchmark: \(messages) records × ~\(messageSize) B, \(partitions) partitions, mock broker")
        print("")
        print("| operation | records | kcat msg/s | portrait msg/s | ratio | kcat CPU µs/msg | portrait CPU µs/msg |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for row in rows {
            print(
                "| \(row.operation) | \(row.count) | \(format(row.kcatRate)) | \(format(row.ourRate)) "
                    + "| \(format(row.ratio, 2))× | \(format(row.kcatCPU, 2)) | \(format(row.ourCPU, 2)) |")
        }
        for operation in ["consume", "produce"] {
            let ratios = rows.filter { $0.operation.hasPrefix(operation) }.map(\.ratio).sorted()
            if !ratios.isEmpty {
                print("median \(operation) ratio: \(format(ratios[ratios.count / 2], 2))× (target ≥ 0.90×)")
            }
        }
    }
}
