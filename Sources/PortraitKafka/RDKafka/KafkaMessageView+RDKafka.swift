import CRdKafka

extension KafkaMessageView {
    private var rd: UnsafePointer<rd_kafka_message_t> { message.assumingMemoryBound(to: rd_kafka_message_t.self) }

    public var partition: KafkaPartition { KafkaPartition(rd.pointee.partition) }
    public var offset: KafkaOffset { KafkaOffset(rd.pointee.offset) }

    /// Broker (log-append) or create time in ms since the epoch; `nil` when the record carries none.
    public var timestamp: Int64? {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let value = rd_kafka_message_timestamp(rd, &type)
        return type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE || value < 0 ? nil : value
    }

    /// The key bytes, `nil` for a null key. Valid only inside the poll callback.
    public var key: UnsafeRawBufferPointer? {
        guard let key = rd.pointee.key else { return nil }
        return UnsafeRawBufferPointer(start: key, count: rd.pointee.key_len)
    }

    /// The value bytes, `nil` for a null value (tombstone). Valid only inside the poll callback.
    public var value: UnsafeRawBufferPointer? {
        guard let payload = rd.pointee.payload else { return nil }
        return UnsafeRawBufferPointer(start: payload, count: rd.pointee.len)
    }

    /// The last header named `name` as an owned copy, or `nil` when there is none. Headers are parsed lazily
    /// by librdkafka on first access, so records whose headers are never read pay nothing for them.
    public func header(named name: String) -> KafkaHeader? {
        guard let headers = rdHeaders else { return nil }
        var value: UnsafeRawPointer?
        var size = 0
        guard rd_kafka_header_get_last(headers, name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaHeader(key: name, value: value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) })
    }

    /// All headers in record order, as owned copies.
    public var headers: [KafkaHeader] {
        guard let headers = rdHeaders else { return [] }
        var result: [KafkaHeader] = []
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(headers, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            result.append(
                KafkaHeader(
                    key: name.map { String(cString: $0) } ?? "",
                    value: value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
                )
            )
            index += 1
        }
        return result
    }

    private var rdHeaders: OpaquePointer? {
        var headers: OpaquePointer?
        let mutable = UnsafeMutablePointer(mutating: rd)
        guard rd_kafka_message_headers(mutable, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return headers
    }
}
