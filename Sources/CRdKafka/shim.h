#ifndef PORTRAIT_CRDKAFKA_SHIM_H
#define PORTRAIT_CRDKAFKA_SHIM_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdint.h>

/* Produce one message. The payload and key are copied by librdkafka (RD_KAFKA_MSG_F_COPY).
 * Without headers this is plain rd_kafka_produce: rd_kafka_produceva with RD_KAFKA_VTYPE_RKT takes and drops
 * an extra reference on the topic per call (two atomic operations on the topic's refcount, a cache line the
 * delivery-report thread also writes when it destroys delivered messages), measured at ~0.1 us per message.
 * With headers it goes through rd_kafka_produceva with a stack-allocated vu array (RD_KAFKA_VTYPE_HEADER,
 * copied), so Swift never builds variadic argument lists or heap arrays on the hot path.
 * partition < 0 means RD_KAFKA_PARTITION_UA (librdkafka's partitioner on the key).
 * Returns NULL on success or an rd_kafka_error_t* the caller must destroy. */
static inline rd_kafka_error_t *portrait_produce(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int32_t partition,
                                                 const void *key, size_t key_len,
                                                 const void *value, size_t value_len,
                                                 const char *const *header_names,
                                                 const void *const *header_values,
                                                 const ssize_t *header_sizes, size_t header_count,
                                                 uint64_t token) {
    if (header_count == 0) {
        if (rd_kafka_produce(rkt, partition < 0 ? RD_KAFKA_PARTITION_UA : partition, RD_KAFKA_MSG_F_COPY,
                             (void *)value, value ? value_len : 0, key, key ? key_len : 0,
                             (void *)(uintptr_t)token) == 0) {
            return NULL;
        }
        rd_kafka_resp_err_t err = rd_kafka_last_error();
        if (err == RD_KAFKA_RESP_ERR__FATAL) {
            char reason[512];
            rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(rk, reason, sizeof(reason));
            return rd_kafka_error_new(err, "Producer has encountered a fatal error: %s: %s",
                                      rd_kafka_err2name(fatal), reason);
        }
        return rd_kafka_error_new(err, "Failed to produce message: %s", rd_kafka_err2str(err));
    }
    rd_kafka_vu_t vus[6 + 16];
    size_t n = 0;
    if (header_count > 16) {
        return rd_kafka_error_new(RD_KAFKA_RESP_ERR__INVALID_ARG, "at most 16 headers per message");
    }
    vus[n].vtype = RD_KAFKA_VTYPE_RKT; vus[n].u.rkt = rkt; n++;
    vus[n].vtype = RD_KAFKA_VTYPE_PARTITION; vus[n].u.i32 = partition < 0 ? RD_KAFKA_PARTITION_UA : partition; n++;
    vus[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS; vus[n].u.i = RD_KAFKA_MSG_F_COPY; n++;
    vus[n].vtype = RD_KAFKA_VTYPE_VALUE; vus[n].u.mem.ptr = (void *)value; vus[n].u.mem.size = value ? value_len : 0; n++;
    vus[n].vtype = RD_KAFKA_VTYPE_KEY; vus[n].u.mem.ptr = (void *)key; vus[n].u.mem.size = key ? key_len : 0; n++;
    vus[n].vtype = RD_KAFKA_VTYPE_OPAQUE; vus[n].u.ptr = (void *)(uintptr_t)token; n++;
    for (size_t i = 0; i < header_count; i++) {
        vus[n].vtype = RD_KAFKA_VTYPE_HEADER;
        vus[n].u.header.name = header_names[i];
        vus[n].u.header.val = header_values[i];
        vus[n].u.header.size = header_sizes[i];
        n++;
    }
    return rd_kafka_produceva(rk, vus, n);
}

/* The message's private opaque (the producer's token) as an integer. */
static inline uint64_t portrait_message_token(const rd_kafka_message_t *m) {
    return (uint64_t)(uintptr_t)m->_private;
}

/* Push an array of errors for one API key onto the mock cluster's request error stack. */
static inline void portrait_mock_push_errors(rd_kafka_mock_cluster_t *m, int16_t api_key, size_t cnt,
                                             const int32_t *codes) {
    rd_kafka_mock_push_request_errors_array(m, api_key, cnt, (const rd_kafka_resp_err_t *)codes);
}

#endif
