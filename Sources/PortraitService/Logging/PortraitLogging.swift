import Logging

/// Sets up swift-log for `portraitd` once, before anything logs.
public enum PortraitLogging {
    public static func bootstrap(_ configuration: PortraitConfiguration.Logging) {
        let level = Logger.Level(rawValue: configuration.level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler =
                switch configuration.format {
                case .text: StreamLogHandler.standardError(label: label)
                case .json: JSONLogHandler(label: label)
                }
            handler.logLevel = level
            return handler
        }
    }
}
