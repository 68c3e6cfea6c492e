/// An error from librdkafka or from this wrapper, with librdkafka's code and classification.
///
/// Every `rd_kafka_resp_err_t` and `rd_kafka_error_t*` passes through one funnel (`KafkaError+RDKafka.swift`),
/// so the description always reads "Kafka error NAME (code): reason: detail" and `isFatal` is never lost.
public struct KafkaError: Error, CustomStringConvertible, Sendable {
    /// librdkafka's `rd_kafka_resp_err_t` value: negative codes are client-local, positive ones broker errors.
    public struct Code: RawRepresentable, Hashable, Sendable {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        public static let noError = Code(rawValue: 0)
        public static let destroy = Code(rawValue: -197)
        public static let transport = Code(rawValue: -195)
        public static let resolve = Code(rawValue: -193)
        public static let ssl = Code(rawValue: -181)
        public static let authentication = Code(rawValue: -169)
        public static let messageTimedOut = Code(rawValue: -192)
        public static let partitionEOF = Code(rawValue: -191)
        public static let unknownPartition = Code(rawValue: -190)
        public static let unknownTopic = Code(rawValue: -188)
        public static let allBrokersDown = Code(rawValue: -187)
        public static let invalidArgument = Code(rawValue: -186)
        public static let timedOut = Code(rawValue: -185)
        public static let queueFull = Code(rawValue: -184)
        public static let state = Code(rawValue: -172)
        public static let notImplemented = Code(rawValue: -170)
        public static let noOffset = Code(rawValue: -168)
        public static let fatal = Code(rawValue: -150)
        public static let offsetOutOfRange = Code(rawValue: 1)
        public static let unknownTopicOrPartition = Code(rawValue: 3)
        public static let leaderNotAvailable = Code(rawValue: 5)
        public static let notLeaderForPartition = Code(rawValue: 6)
        public static let requestTimedOut = Code(rawValue: 7)
        public static let brokerNotAvailable = Code(rawValue: 8)
        public static let coordinatorNotAvailable = Code(rawValue: 15)
        public static let notCoordinator = Code(rawValue: 16)
        public static let notEnoughReplicas = Code(rawValue: 19)
        public static let illegalGeneration = Code(rawValue: 22)
        public static let unknownMemberID = Code(rawValue: 25)
        public static let rebalanceInProgress = Code(rawValue: 27)
        public static let invalidRequest = Code(rawValue: 42)
        public static let outOfOrderSequenceNumber = Code(rawValue: 45)
    }

    public var code: Code
    /// librdkafka's symbolic name of the code, e.g. `_TRANSPORT` or `NOT_COORDINATOR`.
    public var name: String
    /// librdkafka's generic text for the code (`rd_kafka_err2str`).
    public var reason: String
    /// What we were doing, or librdkafka's specific message for this occurrence.
    public var detail: String
    /// librdkafka says retrying the same operation may succeed (e.g. a full local queue, a timeout).
    public var isRetriable: Bool
    /// The client instance is unusable (`rd_kafka_fatal_error`), e.g. the idempotent producer lost its
    /// guarantees; the handle must be closed and recreated.
    public var isFatal: Bool

    public var rdCode: Int32 { code.rawValue }

    /// A broker connection failed (refused, unresolvable, TLS or SASL): librdkafka has already logged it (its
    /// `FAIL` line, which the log bridge forwards) before raising the same text as an error event, so the event
    /// needs no second line at warning level. librdkafka reconnects by itself.
    public var isLoggedConnectionFailure: Bool {
        !isFatal && [.transport, .resolve, .ssl, .authentication].contains(code)
    }

    public init(code: Code, name: String, reason: String, detail: String, isRetriable: Bool, isFatal: Bool) {
        self.code = code
        self.name = name
        self.reason = reason
        self.detail = detail
        self.isRetriable = isRetriable
        self.isFatal = isFatal
    }

    public var description: String {
        var text = "Kafka error \(name) (\(code.rawValue))"
        if !reason.isEmpty { text += ": \(reason)" }
        if !detail.isEmpty && detail != reason { text += ": \(detail)" }
        if isFatal { text += " [fatal]" }
        return text
    }
}
