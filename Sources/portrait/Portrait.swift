import ArgumentParser

@main
struct Portrait: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portrait",
        abstract: "Portrait's companion CLI: development broker, load generator, output tail, benchmarks.",
        subcommands: [Bench.self]
    )
}
