extension Recommender {
    /// Writes the CONTRACT §5 record of the last `recommend` call.
    func render(userId: String, version: UInt64, asOf: Int64, names: SymbolNames, into json: inout JSONWriter) {
        json.raw("{\"user_id\":")
        json.string(userId)
        json.raw(",\"version\":")
        json.uint(version)
        json.raw(",\"as_of\":")
        json.int(asOf)
        json.raw(",\"items\":[")
        for (offset, pick) in picks.enumerated() {
            json.raw(offset == 0 ? "{\"item_id\":" : ",{\"item_id\":")
            names.write(pick.item, into: &json)
            json.raw(",\"score\":")
            json.double(pick.score)
            switch pick.reason {
            case .tag(let tag):
                json.raw(",\"reason\":\"tag:")
                names.writeBody(tag, into: &json)
                json.raw("\"}")
            case .explore:
                json.raw(",\"reason\":\"explore:popular\"}")
            }
        }
        json.raw("]}")
    }
}
