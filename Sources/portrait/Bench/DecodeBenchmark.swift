import Foundation
import PortraitCore
import PortraitService

/// Times our `InteractionDecoder` against Foundation's `JSONDecoder` (plus the same validation) on the same events.
///
/// Both sides see identical bytes; the Foundation side wraps each value in `Data` as a consumer would have to.
/// Ours decodes into an `InteractionBatch`, the form the daemon's consumer hands to the engine; Foundation builds
/// its `Codable` struct.
/// Foundation runs over at most `foundationLimit` events since it is ~10–20× slower; rates are per event either way.
enum DecodeBenchmark {
    /// Runs both decoders; ours `rounds` times (the best round counts), Foundation once.
    static func run(
        events: [[UInt8]],
        nowMs: Int64,
        rounds: Int = 3,
        foundationLimit: Int = 200_000,
        batchSize: Int = 8_192
    ) -> DecodeBenchmarkReport {
        let decoder = InteractionDecoder()
        let values = ContiguousValues(events)
        var best = DecodeBenchmarkReport.Measurement(events: 0, wallSeconds: .infinity, cpuSeconds: .infinity)
        var accepted = 0
        // Into a batch of the daemon's largest poll, emptied when full, as the consumer decodes.
        var batch = InteractionBatch()
        batch.reserveCapacity(batchSize)
        for _ in 0..<max(rounds, 1) {
            var acceptedThisRound = 0
            let measurement = measure(events: events.count) {
                values.forEach { index, value in
                    let position = InputPosition(partition: 0, offset: Int64(index))
                    if decoder.decode(value, nowMs: nowMs, position: position, appendingTo: &batch) == nil {
                        acceptedThisRound += 1
                        if batch.count == batchSize { batch.removeAll(keepingCapacity: true) }
                    }
                }
            }
            batch.removeAll(keepingCapacity: true)
            accepted = acceptedThisRound
            if measurement.wallSeconds < best.wallSeconds { best = measurement }
        }

        let sample = events.prefix(foundationLimit)
        var foundationAccepted = 0
        let jsonDecoder = JSONDecoder()
        let foundation = measure(events: sample.count) {
            for event in sample where FoundationInteraction.decode(Data(event), with: jsonDecoder, nowMs: nowMs) != nil
            {
                foundationAccepted += 1
            }
        }
        let oursOnSample = sample.reduce(0) { count, event in
            count + (decoder.decode(event, nowMs: nowMs).value == nil ? 0 : 1)
        }
        return DecodeBenchmarkReport(
            events: events.count,
            averageBytes: events.isEmpty ? 0 : events.reduce(0) { $0 + $1.count } / events.count,
            ours: best,
            oursAccepted: accepted,
            foundation: foundation,
            foundationAccepted: foundationAccepted,
            agreeOnSample: oursOnSample == foundationAccepted
        )
    }

    static func measure(events: Int, _ body: () -> Void) -> DecodeBenchmarkReport.Measurement {
        let cpuStart = processCPUSeconds()
        let start = ContinuousClock.now
        body()
        let wall = (ContinuousClock.now - start).inSeconds
        return .init(events: events, wallSeconds: wall, cpuSeconds: processCPUSeconds() - cpuStart)
    }

    static func processCPUSeconds() -> Double {
        CPUTimes.now().own
    }

    @inline(never)
    static func blackHole(_ value: Int) {
        if value == 0x5EED_5EED { print("") }
    }
}

/// Decode-benchmark results; `description` is the printed report.
struct DecodeBenchmarkReport: Sendable, CustomStringConvertible {
    struct Measurement: Sendable {
        var events: Int
        var wallSeconds: Double
        var cpuSeconds: Double

        var eventsPerSecond: Double { Double(events) / wallSeconds }
        var nanosecondsPerEvent: Double { wallSeconds * 1e9 / Double(max(events, 1)) }
        var cpuNanosecondsPerEvent: Double { cpuSeconds * 1e9 / Double(max(events, 1)) }
    }

    var events: Int
    var averageBytes: Int
    var ours: Measurement
    var oursAccepted: Int
    var foundation: Measurement
    var foundationAccepted: Int
    /// Both decoders accepted the same number of events on the Foundation sample.
    var agreeOnSample: Bool

    /// How many times faster ours is than Foundation's, per event.
    var ratio: Double { ours.eventsPerSecond / foundation.eventsPerSecond }

    var description: String {
        func line(_ name: String, _ m: Measurement, _ accepted: Int) -> String {
            let rate = (m.eventsPerSecond / 1_000).formatted(.number.precision(.fractionLength(0)))
            let ns = m.nanosecondsPerEvent.formatted(.number.precision(.fractionLength(0)))
            let cpu = m.cpuNanosecondsPerEvent.formatted(.number.precision(.fractionLength(0)))
            return "\(name): \(rate)k events/s, \(ns) ns/event (CPU \(cpu) ns/event), "
                + "\(m.events) events, \(accepted) accepted"
        }
        return """
            decode benchmark: \(events) events, \(averageBytes) bytes average
              \(line("InteractionDecoder   ", ours, oursAccepted))
              \(line("Foundation JSONDecoder", foundation, foundationAccepted))
              ratio: \(ratio.formatted(.number.precision(.fractionLength(1))))× \
            (accept counts \(agreeOnSample ? "agree" : "DIFFER") on the Foundation sample)
            """
    }
}
