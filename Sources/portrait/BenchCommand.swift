import ArgumentParser

/// `portrait bench`: benchmarks, run from a release build (`scripts/bench`).
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (build with -c release; see scripts/bench).",
        subcommands: [BenchKafka.self, BenchDecode.self, BenchEngine.self, BenchE2E.self, BenchLatency.self, BenchRestore.self]
    )
}
