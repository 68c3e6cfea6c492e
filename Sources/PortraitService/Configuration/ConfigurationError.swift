/// A configuration problem, reported before any connection is made (exit status 2).
///
/// Each problem is one line that names the key as the operator wrote it (YAML key, environment
/// variable and flag), what was wrong and what was expected.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// The configuration key (`half_life`, `kafka.security.protocol`, `--config`, ...).
        public var key: String
        public var message: String

        public init(key: String, message: String) {
            self.key = key
            self.message = message
        }

        public var description: String { "invalid configuration: \(key): \(message)" }
    }

    public var problems: [Problem]

    public init(problems: [Problem]) {
        self.problems = problems
    }

    public init(key: String, message: String) {
        self.problems = [Problem(key: key, message: message)]
    }

    /// One line per problem.
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
