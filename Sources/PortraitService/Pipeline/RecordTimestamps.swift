/// The broker timestamps of one input batch's records, for the per-record end-to-end latency histogram.
///
/// Run-length encoded: records of one producer batch were stamped within a few milliseconds of each other, so a
/// poll of hundreds of records holds a handful of distinct values, and the ledger keeps a few words per batch
/// rather than one per record.
struct RecordTimestamps: Sendable {
    private var runs: [Run] = []

    private struct Run {
        var milliseconds: Int64
        var count: Int
    }

    /// Adds one record stamped at `milliseconds` (Unix epoch).
    mutating func append(_ milliseconds: Int64) {
        if let last = runs.indices.last, runs[last].milliseconds == milliseconds {
            runs[last].count += 1
        } else {
            runs.append(Run(milliseconds: milliseconds, count: 1))
        }
    }

    /// Calls `body` once per distinct run with its timestamp and how many records carry it.
    func forEachRun(_ body: (_ milliseconds: Int64, _ count: Int) -> Void) {
        for run in runs { body(run.milliseconds, run.count) }
    }
}
