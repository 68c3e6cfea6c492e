/// What the HTTP API asks of the running pipeline: rendered CONTRACT §4/§5 JSON for one user.
public protocol ProfileQueries: Sendable {
    /// The user's profile, projected forward to `at` (epoch ms) when given; `nil` if this instance does not hold the user.
    func profile(userId: String, at: Int64?) async -> [UInt8]?
    func recommendations(userId: String, at: Int64?) async -> [UInt8]?
}
