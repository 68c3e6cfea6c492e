import CRdKafka
import Logging
import Synchronization

/// Owner of one `rd_kafka_t` handle, its callback context and its topic handles.
///
/// The handle is destroyed in `deinit`, after the topic handles (librdkafka requires topic handles to be released
/// before the client) and before the callback context (callbacks may run until `rd_kafka_destroy` returns).
///
/// Thread safety: librdkafka handles are thread-safe; the topic cache is behind a `Mutex`; the context's mutable
/// parts are set before any callback can run or are themselves locked.
final class RDKafkaClient: @unchecked Sendable {
    enum Kind { case consumer, producer }

    let handle: OpaquePointer
    let context: RDKafkaCallbackContext
    private let topics = Mutex<[String: RDKafkaTopic]>([:])

    /// Creates the handle; `config` is handed over only on success.
    init(kind: Kind, config: RDKafkaConfig, context: RDKafkaCallbackContext) throws(KafkaError) {
        guard let conf = config.pointer else { preconditionFailure("configuration already handed over") }
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        rd_kafka_conf_set_log_cb(conf, rdLogCallback)
        var errstr = [CChar](repeating: 0, count: 512)
        let type = kind == .consumer ? RD_KAFKA_CONSUMER : RD_KAFKA_PRODUCER
        guard let rk = rd_kafka_new(type, conf, &errstr, errstr.count) else {
            let reason = errstr.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw KafkaError(rdCode: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue, detail: "rd_kafka_new: \(reason)")
        }
        config.handOver()
        self.handle = rk
        self.context = context
    }

    deinit {
        topics.withLock { $0.removeAll() }
        rd_kafka_destroy(handle)
    }

    /// The cached topic handle for `name`, created on first use.
    func topic(_ name: String) throws(KafkaError) -> RDKafkaTopic {
        if let topic = topics.withLock({ $0[name] }) { return topic }
        guard let rkt = rd_kafka_topic_new(handle, name, nil) else {
            throw KafkaError(rdCode: rd_kafka_last_error().rawValue, detail: "rd_kafka_topic_new(\(name))")
        }
        let topic = RDKafkaTopic(rkt, name: name)
        return topics.withLock { cache in
            if let existing = cache[name] { return existing }
            cache[name] = topic
            return topic
        }
    }

    /// The fatal error raised on this handle, if any.
    var fatalError: KafkaError? { KafkaError.fatalError(of: handle) }
}

/// Owner of one `rd_kafka_topic_t`.
final class RDKafkaTopic: @unchecked Sendable {
    /// Thread safety: immutable; librdkafka topic handles are thread-safe.
    let pointer: OpaquePointer
    let name: String

    init(_ pointer: OpaquePointer, name: String) {
        self.pointer = pointer
        self.name = name
    }

    deinit { rd_kafka_topic_destroy(pointer) }
}

/// State the C callbacks reach through the handle's opaque pointer.
///
/// Thread safety: `logger` and the handlers are immutable; `consumer` is set once before the first poll
/// (subscribe/assign happen after `KafkaConsumer.init` returns) and read only on the polling thread.
final class RDKafkaCallbackContext: @unchecked Sendable {
    let logger: Logger
    let rebalanceHandler: (any KafkaRebalanceHandler)?
    let statistics: (@Sendable (KafkaStatistics) -> Void)?
    weak var consumer: KafkaConsumer?
    /// Rebalances served so far (assign, revoke or error); only the polling thread touches it.
    var rebalances = 0

    init(
        logger: Logger, rebalanceHandler: (any KafkaRebalanceHandler)? = nil,
        statistics: (@Sendable (KafkaStatistics) -> Void)? = nil
    ) {
        self.logger = logger
        self.rebalanceHandler = rebalanceHandler
        self.statistics = statistics
    }

    static func from(_ rk: OpaquePointer?) -> RDKafkaCallbackContext? {
        guard let rk, let opaque = rd_kafka_opaque(rk) else { return nil }
        return Unmanaged<RDKafkaCallbackContext>.fromOpaque(opaque).takeUnretainedValue()
    }
}

/// librdkafka's log callback → swift-log, syslog level mapped to `Logger.Level`. Runs on librdkafka's threads.
private let rdLogCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    rk, level, facility, message in
    guard let context = RDKafkaCallbackContext.from(rk) else { return }
    let swiftLevel: Logger.Level =
        switch level {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    guard context.logger.logLevel <= swiftLevel else { return }
    let fac = facility.map { String(cString: $0) } ?? ""
    let text = message.map { String(cString: $0) } ?? ""
    context.logger.log(level: swiftLevel, "\(text)", metadata: ["rdkafka.facility": "\(fac)"])
}
