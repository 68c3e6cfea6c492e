#ifndef PORTRAIT_CRDKAFKA_SHIM_H
#define PORTRAIT_CRDKAFKA_SHIM_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdint.h>

/* Produce one message through rd_kafka_produceva with a stack-allocated vu array, so Swift never builds
 * variadic argument lists or heap arrays on the hot path. The payload and key are copied by librdkafka
 * (RD_KAFKA_MSG_F_COPY). Headers, when present, are copied too (RD_KAFKA_VTYPE_HEADER).
 * partition < 0 means RD_KAFKA_PARTITION_UA (librdkafka's partitioner on the key).
 * Returns NULL on success or an rd_kafka_error_t* the caller must destroy. */
static inline rd_kafka_error_t *portrait_produce(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int32_t partition,
                                                 const void *key, size_t key_len,
                                                 const void *value, size_t value_len,
                                                 const char *const *header_names,
                                                 const void *const *header_values,
                                                 const ssize_t *header_sizes, size_t header_count,
                                                 uint64_t token) {
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
