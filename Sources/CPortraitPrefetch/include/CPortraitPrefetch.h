#ifndef C_PORTRAIT_PREFETCH_H
#define C_PORTRAIT_PREFETCH_H

/// Asks the CPU to bring the cache line holding `address` closer: a hint that never faults, even for an address that
/// is not mapped. Swift has no prefetch of its own; the engine's per-event passes use it to overlap the cache misses
/// of the next events' profiles with the work on the current one.
static inline __attribute__((always_inline)) void portrait_prefetch(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

#endif
