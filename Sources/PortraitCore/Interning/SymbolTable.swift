/// Interns strings (tags, authors, items, context values) as small `UInt32` ids.
///
/// Profiles hold ids, never copies of strings. Id 0 is reserved for "none", so an optional
/// symbol fits in a plain `UInt32`. Not thread-safe by itself: `ItemCatalog` owns the one
/// process-wide table behind its lock and interns a whole part of events per acquisition.
struct SymbolTable {
    private(set) var names: [String] = [""]
    private var ids = StringIdMap()

    /// The id of `name`, creating it on first sight.
    mutating func intern(_ name: String) -> UInt32 {
        if let id = ids[name] { return id }
        let id = UInt32(names.count)
        names.append(name)
        ids.insert(name, id)
        return id
    }

    func lookup(_ name: String) -> UInt32? { ids[name] }

    func name(_ id: UInt32) -> String { names[Int(id)] }

    var count: Int { names.count - 1 }
}
