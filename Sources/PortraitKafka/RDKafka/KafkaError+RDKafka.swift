import CRdKafka
import Logging

/// The one funnel from librdkafka's error representations into ``KafkaError``.
extension KafkaError {
    /// Codes librdkafka documents as transient: retrying the same call later may succeed.
    private static let retriableCodes: Set<Code> = [
        .queueFull, .timedOut, .transport, .allBrokersDown, .requestTimedOut, .notCoordinator,
        .coordinatorNotAvailable, .leaderNotAvailable, .notLeaderForPartition, .rebalanceInProgress,
        .brokerNotAvailable, .notEnoughReplicas, .messageTimedOut,
    ]

    /// From an `rd_kafka_resp_err_t` (as its raw value), with what we were doing.
    ///
    /// When the code is `_FATAL` and a client handle is given, the underlying fatal error
    /// (`rd_kafka_fatal_error`) is folded into the detail so it is never lost.
    init(rdCode: Int32, detail: String, client: OpaquePointer? = nil) {
        let err = rd_kafka_resp_err_t(rawValue: rdCode)
        var detail = detail
        let code = Code(rawValue: rdCode)
        if code == .fatal, let client, let fatal = KafkaError.fatalError(of: client) {
            detail += detail.isEmpty ? fatal.description : "; \(fatal.description)"
        }
        self.init(
            code: code,
            name: String(cString: rd_kafka_err2name(err)),
            reason: String(cString: rd_kafka_err2str(err)),
            detail: detail,
            isRetriable: Self.retriableCodes.contains(code),
            isFatal: code == .fatal
        )
    }

    /// From an `rd_kafka_error_t*`, which this destroys.
    init(consuming error: OpaquePointer, context: String, client: OpaquePointer? = nil) {
        let message = String(cString: rd_kafka_error_string(error))
        self.init(
            code: Code(rawValue: rd_kafka_error_code(error).rawValue),
            name: String(cString: rd_kafka_error_name(error)),
            reason: String(cString: rd_kafka_err2str(rd_kafka_error_code(error))),
            detail: context.isEmpty ? message : "\(context): \(message)",
            isRetriable: rd_kafka_error_is_retriable(error) != 0
                || Self.retriableCodes.contains(Code(rawValue: rd_kafka_error_code(error).rawValue)),
            isFatal: rd_kafka_error_is_fatal(error) != 0 || rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR__FATAL
        )
        rd_kafka_error_destroy(error)
        if code == .fatal, let client, let fatal = KafkaError.fatalError(of: client) {
            detail += "; \(fatal.description)"
        }
    }

    /// The client's fatal error, if one was raised (`rd_kafka_fatal_error`).
    static func fatalError(of client: OpaquePointer) -> KafkaError? {
        var buffer = [CChar](repeating: 0, count: 512)
        let err = rd_kafka_fatal_error(client, &buffer, buffer.count)
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var error = KafkaError(rdCode: err.rawValue, detail: text)
        error.isFatal = true
        error.isRetriable = false
        return error
    }

    /// Throws unless `err` is `NO_ERROR`.
    static func check(_ err: rd_kafka_resp_err_t, _ detail: @autoclosure () -> String, client: OpaquePointer? = nil)
        throws(KafkaError)
    {
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        throw KafkaError(rdCode: err.rawValue, detail: detail(), client: client)
    }

    /// Throws if `error` is non-nil, destroying it.
    static func check(_ error: OpaquePointer?, _ context: @autoclosure () -> String) throws(KafkaError) {
        guard let error else { return }
        throw KafkaError(consuming: error, context: context())
    }
}

extension Duration {
    /// Milliseconds for librdkafka's `int timeout_ms` parameters, rounded up, clamped to `Int32`.
    var rdMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        let ms = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: max(0, ms))
    }
}

extension KafkaError {
    /// The level for a non-fatal error librdkafka recovers from: debug for a connection failure its own log
    /// line already reported (``isLoggedConnectionFailure``), warning otherwise.
    var retryLogLevel: Logger.Level { isLoggedConnectionFailure ? .debug : .warning }
}
