import CRdKafka

/// Owner of one `rd_kafka_conf_t` until `rd_kafka_new` takes it.
///
/// `rd_kafka_new` takes ownership of the conf only when it succeeds, so the conf is released with
/// ``handOver()`` after success and destroyed here otherwise.
final class RDKafkaConfig {
    private(set) var pointer: OpaquePointer?

    /// Applies every property in a stable order, failing on the first bad one with a one-line error naming it.
    init(_ properties: [String: String]) throws(KafkaError) {
        let conf = rd_kafka_conf_new()!
        pointer = conf
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            var errstr = [CChar](repeating: 0, count: 512)
            let result = rd_kafka_conf_set(conf, key, value, &errstr, errstr.count)
            if result != RD_KAFKA_CONF_OK {
                let reason = errstr.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                let oneLine = reason.split(whereSeparator: \.isNewline).joined(separator: " ")
                throw KafkaError(
                    rdCode: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue,
                    detail: "invalid Kafka property \"\(key)\"=\"\(value)\": \(oneLine)"
                )
            }
        }
    }

    /// Gives up ownership after `rd_kafka_new` succeeded with it.
    func handOver() { pointer = nil }

    deinit {
        if let pointer { rd_kafka_conf_destroy(pointer) }
    }
}

extension KafkaConfiguration {
    /// Applies each property to a throwaway `rd_kafka_conf_t`, and for consumers checks the group settings.
    ///
    /// The error message is one line naming the offending property and librdkafka's reason.
    public func validate(for kind: ClientKind) throws(KafkaError) {
        _ = try RDKafkaConfig(properties)
        if kind == .producer, let acks = properties["acks"], properties["enable.idempotence"] != "false",
            acks != "all" && acks != "-1"
        {
            throw KafkaError(
                rdCode: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue,
                detail: "invalid Kafka property \"acks\"=\"\(acks)\": idempotence requires acks=all"
            )
        }
    }
}
