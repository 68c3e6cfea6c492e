/// Encodes a profile's full state straight from its symbol ids, byte for byte what
/// `ProfileStateCodec().encode(profile.snapshot(symbols:))` gives, without building a `ProfileSnapshot`.
///
/// The snapshot path makes a `String` per tag, author and seen item (a thousand for a heavy user) under
/// the catalog lock; here names come from the shard's `SymbolNames` and go straight into the buffer.
/// `ProfileStateWriterTests` holds the two encodings equal.
enum ProfileStateWriter {
    /// Writes the encoded state of `profile`; `names` must know every symbol it holds.
    static func encode(_ profile: UnsafePointer<Profile>, names: SymbolNames, into out: inout JSONWriter) {
        let start = out.count
        out.raw("PRTS")
        out.byte(ProfileStateCodec.formatVersion)
        string(profile.pointee.userId, into: &out)
        u32(UInt32(bitPattern: profile.pointee.partition), into: &out)
        u64(profile.pointee.version, into: &out)
        u32(profile.pointee.events, into: &out)
        u64(UInt64(bitPattern: profile.pointee.asOf), into: &out)
        u64(UInt64(bitPattern: profile.pointee.reference), into: &out)
        // Tags then authors: the author flag is the key's high bit and scores are sorted by key.
        profile.withScores { scores in
            let tags = Int(profile.pointee.tagCount)
            u32(UInt32(tags), into: &out)
            for entry in scores[..<tags] {
                names.writePrefixed(entry.symbol, into: &out)
                u64(entry.value.bitPattern, into: &out)
            }
            u32(UInt32(scores.count - tags), into: &out)
            for entry in scores[tags...] {
                names.writePrefixed(entry.symbol, into: &out)
                u64(entry.value.bitPattern, into: &out)
            }
        }
        let asOf = profile.pointee.asOf
        profile.withWindowEntries { entries in
            u32(UInt32(entries.count), into: &out)
            WindowCounts.forEachAbsoluteEntry(entries, asOf: asOf) { u64($0, into: &out) }
        }
        context(profile.pointee.countryValue, profile.pointee.countryTimestamp, names: names, into: &out)
        context(profile.pointee.deviceValue, profile.pointee.deviceTimestamp, names: names, into: &out)
        context(profile.pointee.langValue, profile.pointee.langTimestamp, names: names, into: &out)
        profile.withSeen { seen in
            u32(UInt32(seen.count), into: &out)
            for item in seen { names.writePrefixed(item, into: &out) }
        }
        let flag = Profile.ScoreEntry.authorFlag
        let blockedAuthors = profile.pointee.blocked.count(where: { $0 & flag != 0 })
        u32(UInt32(profile.pointee.blocked.count - blockedAuthors), into: &out)
        for key in profile.pointee.blocked where key & flag == 0 { name(key, names: names, into: &out) }
        u32(UInt32(blockedAuthors), into: &out)
        for key in profile.pointee.blocked where key & flag != 0 { name(key & ~flag, names: names, into: &out) }
        let offsetCount = (profile.pointee.firstPartition < 0 ? 0 : 1) + profile.pointee.moreOffsets.count
        u32(UInt32(offsetCount), into: &out)
        if profile.pointee.firstPartition >= 0 {
            u32(UInt32(bitPattern: profile.pointee.firstPartition), into: &out)
            u64(UInt64(bitPattern: profile.pointee.firstOffset), into: &out)
        }
        for entry in profile.pointee.moreOffsets {
            u32(UInt32(bitPattern: entry.partition), into: &out)
            u64(UInt64(bitPattern: entry.offset), into: &out)
        }
        let checksum = out.withBytes { bytes in
            StableHash.words(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start...])))
        }
        u64(checksum, into: &out)
    }

    private static func context(_ value: UInt32, _ timestamp: Int64, names: SymbolNames, into out: inout JSONWriter) {
        if value == 0 {
            out.byte(0)
        } else {
            out.byte(1)
            name(value, names: names, into: &out)
            u64(UInt64(bitPattern: timestamp), into: &out)
        }
    }

    @inline(__always)
    private static func u32(_ value: UInt32, into out: inout JSONWriter) {
        out.reserve(4)
        out.putLittleEndian(value)
    }

    @inline(__always)
    private static func u64(_ value: UInt64, into out: inout JSONWriter) {
        out.reserve(8)
        out.putLittleEndian(value)
    }

    private static func string(_ value: String, into out: inout JSONWriter) {
        var value = value
        value.withUTF8 { utf8 in
            u32(UInt32(utf8.count), into: &out)
            out.raw(utf8)
        }
    }

    @inline(__always)
    private static func name(_ id: UInt32, names: SymbolNames, into out: inout JSONWriter) {
        names.writePrefixed(id, into: &out)
    }
}
