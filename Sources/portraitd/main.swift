import ArgumentParser
import Foundation
import PortraitService

/// Parses the command line, loads and checks the configuration, runs the daemon.
///
/// Exit codes (CONTRACT §8): 0 clean shutdown, 1 fatal error, 2 bad configuration or usage.
func portraitdMain() async -> Int32 {
    let command: PortraitDaemonCommand
    do {
        command = try PortraitDaemonCommand.parse()
    } catch {
        if PortraitDaemonCommand.exitCode(for: error).isSuccess {
            PortraitDaemonCommand.exit(withError: error)  // --help, --version
        }
        report("portraitd: \(PortraitDaemonCommand.message(for: error))")
        return 2
    }

    let configuration: PortraitConfiguration
    do {
        configuration = try await PortraitConfiguration.load(commandLine: command.commandLine)
        try PortraitDaemon.validateKafkaProperties(configuration)
    } catch {
        for problem in error.problems { report("portraitd: \(problem)") }
        return 2
    }
    if command.checkConfig {
        print(configuration.effectiveYAML, terminator: "")
        return 0
    }
    return await PortraitDaemon.run(configuration)
}

func report(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

exit(await portraitdMain())
