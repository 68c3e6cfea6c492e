extension Duration {
    /// The duration in seconds, as a `Double` (the daemon's and the `portrait` tool's one conversion).
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
