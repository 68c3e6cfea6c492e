import ArgumentParser
import Foundation
import PortraitService

// Exit codes (CONTRACT §8): 0 clean shutdown, 1 fatal error, 2 bad configuration or usage.
let command: PortraitDaemonCommand
do {
    command = try PortraitDaemonCommand.parseAsRoot() as! PortraitDaemonCommand
} catch {
    if PortraitDaemonCommand.exitCode(for: error).isSuccess {
        PortraitDaemonCommand.exit(withError: error)  // --help, --version
    }
    FileHandle.standardError.write(Data("portraitd: \(PortraitDaemonCommand.message(for: error))\n".utf8))
    exit(2)
}

do {
    let configuration = try await PortraitConfiguration.load(commandLine: try command.commandLine)
    if command.checkConfig {
        try PortraitDaemon.validateKafkaProperties(configuration)
        print(configuration.effectiveYAML, terminator: "")
        exit(0)
    }
    exit(await PortraitDaemon.run(configuration))
} catch let error as ConfigurationError {
    for problem in error.problems {
        FileHandle.standardError.write(Data("portraitd: \(problem)\n".utf8))
    }
    exit(2)
}
