import CRdKafka
import Foundation
import Logging

/// The rebalance callback, run on the polling thread inside `rd_kafka_consume_batch_queue`.
///
/// Cooperative protocol: `rd_kafka_incremental_assign/unassign` with only the moving partitions (plain
/// `rd_kafka_assign` would break consumption). Eager protocol: `rd_kafka_assign(list)` / `rd_kafka_assign(NULL)`.
/// Errors are logged and never stop the consumer: librdkafka rejoins the group by itself.
let rdRebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        UnsafeMutableRawPointer?
    ) -> Void = { rk, err, partitions, _ in
        guard let rk, let context = RDKafkaCallbackContext.from(rk) else { return }
        context.rebalances += 1
        let logger = context.logger
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        let tps = RDKafkaTopicPartitionList.elements(of: partitions).map(\.tp)
        let consumer = context.consumer
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            logger.info("Kafka partitions assigned", metadata: ["partitions": "\(tps)", "cooperative": "\(cooperative)"])
            if cooperative {
                if let error = rd_kafka_incremental_assign(rk, partitions) {
                    logger.error("incremental assign failed: \(KafkaError(consuming: error, context: "incremental assign"))")
                }
            } else {
                let result = rd_kafka_assign(rk, partitions)
                if result != RD_KAFKA_RESP_ERR_NO_ERROR {
                    logger.error("assign failed: \(KafkaError(rdCode: result.rawValue, detail: "assign"))")
                }
            }
            if let consumer, let handler = context.rebalanceHandler {
                handler.partitionsAssigned(tps, consumer: consumer)
            }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            consumer?.rd.forgetDelivered(tps)
            let lost = rd_kafka_assignment_lost(rk) != 0
            logger.info("Kafka partitions revoked", metadata: ["partitions": "\(tps)", "lost": "\(lost)"])
            if let consumer, let handler = context.rebalanceHandler {
                handler.partitionsRevoked(tps, lost: lost, consumer: consumer)
            }
            if cooperative {
                if let error = rd_kafka_incremental_unassign(rk, partitions) {
                    logger.error("incremental unassign failed: \(KafkaError(consuming: error, context: "incremental unassign"))")
                }
            } else {
                _ = rd_kafka_assign(rk, nil)
            }
        default:
            consumer?.rd.forgetDelivered(tps)
            logger.warning("Kafka rebalance error, rejoining: \(KafkaError(rdCode: err.rawValue, detail: "rebalance"))")
            if cooperative {
                if let consumer, let handler = context.rebalanceHandler, !tps.isEmpty {
                    handler.partitionsRevoked(tps, lost: true, consumer: consumer)
                }
                if let error = rd_kafka_incremental_unassign(rk, partitions) { rd_kafka_error_destroy(error) }
            } else {
                _ = rd_kafka_assign(rk, nil)
            }
        }
    }

/// The statistics callback: parses librdkafka's JSON and hands it to the configured handler.
let rdStatsCallback: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int, UnsafeMutableRawPointer?) -> Int32 = {
    rk, json, length, _ in
    guard let context = RDKafkaCallbackContext.from(rk), let handler = context.statistics, let json else { return 0 }
    let data = Data(bytes: json, count: length)
    if let statistics = KafkaStatistics(json: data) { handler(statistics) }
    return 0  // librdkafka frees the JSON
}
