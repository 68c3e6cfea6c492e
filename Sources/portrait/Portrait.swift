import ArgumentParser
import PortraitService

@main
struct Portrait: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portrait",
        abstract: "Portrait's companion CLI: development broker, load generator, output tail, benchmarks.",
        version: PortraitVersion.string,
        subcommands: [DevBroker.self, Produce.self, Tail.self, Bench.self]
    )
}
