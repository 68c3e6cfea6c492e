import Foundation

/// A `portrait dev-broker` child process, so the broker's CPU is not charged to the benchmarked client.
final class DevBrokerProcess {
    let process = Process()
    let bootstrapServers: String

    /// Starts `portrait dev-broker` with `topics` (NAME:PARTITIONS) and waits for its bootstrap line.
    init(topics: [String]) throws {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["dev-broker"] + topics.flatMap { ["--topic", $0] }
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw BenchError("dev-broker exited before printing its address") }
            line.append(chunk)
        }
        bootstrapServers = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Sends SIGTERM and waits for a clean exit.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// CPU time (user + system) of this process and of its waited-for children, in seconds.
struct CPUTimes {
    var own: Double
    var children: Double

    static func now() -> CPUTimes {
        func seconds(_ who: Int32) -> Double {
            var usage = rusage()
            getrusage(who, &usage)
            return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
                + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        }
        return CPUTimes(own: seconds(RUSAGE_SELF.rawValue), children: seconds(RUSAGE_CHILDREN.rawValue))
    }
}
