import ArgumentParser
import Foundation
import PortraitCore
import PortraitService

/// `portrait bench decode`: our decoder against Foundation's on synthetic events.
struct BenchDecode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode + validate synthetic interaction events with InteractionDecoder and with JSONDecoder."
    )

    @Option(help: "Number of synthetic events.") var events = 1_000_000
    @Option(help: "Synthetic users (Zipf activity).") var users = 100_000
    @Option(help: "Seed of the synthetic traffic.") var seed: UInt64 = 42
    @Option(help: "Rounds of our decoder (the best counts).") var rounds = 3
    @Option(help: "Events given to Foundation's JSONDecoder (it is slow).") var foundationEvents = 200_000

    func run() throws {
        var traffic = SyntheticTraffic(options: .init(users: users, seed: seed))
        let start = ContinuousClock.now
        var values: [[UInt8]] = []
        values.reserveCapacity(events)
        for _ in 0..<events {
            var value: [UInt8] = []
            value.reserveCapacity(256)
            _ = traffic.appendEvent(to: &value)
            values.append(value)
        }
        let generation = ContinuousClock.now - start
        let seconds = generation.inSeconds
        print(
            "materialised \(events) events as arrays in \(seconds.formatted(.number.precision(.fractionLength(2)))) s "
                + "(\(Int(Double(events) / seconds / 1_000))k events/s)"
        )
        // Generation alone, into reused buffers (as the load generator does).
        var replay = SyntheticTraffic(options: .init(users: users, seed: seed))
        var value: [UInt8] = []
        var key: [UInt8] = []
        value.reserveCapacity(512)
        key.reserveCapacity(32)
        var generatedBytes = 0
        let reuseStart = ContinuousClock.now
        for _ in 0..<events {
            value.removeAll(keepingCapacity: true)
            key.removeAll(keepingCapacity: true)
            replay.appendEvent(value: &value, key: &key)
            generatedBytes &+= value.count
        }
        let reuse = ContinuousClock.now - reuseStart
        let reuseSeconds = reuse.inSeconds
        print(
            "generator alone (reused buffers): \(Int(Double(events) / reuseSeconds / 1_000))k events/s, "
                + "\(generatedBytes / max(events, 1)) bytes average"
        )
        let report = DecodeBenchmark.run(
            events: values,
            nowMs: traffic.currentEventTimeMs,
            rounds: rounds,
            foundationLimit: foundationEvents
        )
        print(report)
    }
}
