/// A producer's handle on one topic, for sending without the per-message topic lookup.
///
/// Obtained from ``KafkaProducer/topic(_:)``. The handle keeps the underlying client alive, so it stays valid even
/// after the producer is released (sends then fail as the producer is closed).
///
/// Thread safety: immutable; librdkafka topic handles are thread-safe.
public final class KafkaTopicHandle: @unchecked Sendable {
    public let name: String
    let client: RDKafkaClient
    /// Owned by `client`'s topic cache, which outlives this handle because the handle retains the client.
    let pointer: OpaquePointer

    init(name: String, client: RDKafkaClient, pointer: OpaquePointer) {
        self.name = name
        self.client = client
        self.pointer = pointer
    }
}
