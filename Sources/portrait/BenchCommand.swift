import ArgumentParser

/// `portrait bench …`: micro- and engine benchmarks (numbers, not tests).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks of the engine's hot paths.",
        subcommands: [BenchDecode.self, BenchEngine.self]
    )
}
