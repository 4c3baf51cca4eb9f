import Synchronization

/// The active plan's parsed document, kept while its YAML stays the same.
///
/// Triage evaluates every reading against the active plan, and `PlanRecords.active` used to parse its YAML each
/// time: 12 % of the daemon's CPU under load (perf on `bench resources`, debug build), more than the reading's
/// own commit. The YAML is still read from the database in the reading's transaction (so a plan installed or
/// activated in between is seen at once); only parsing the same text again is skipped. One entry: one plan is
/// active at a time.
enum ParsedPlanMemo {
    private struct Entry {
        let version: Int
        let yaml: String
        let document: CarePlanDocument
    }

    private static let last = Mutex<Entry?>(nil)

    /// The document of `yaml` (plan version `version`), parsed by `parse` unless it was the last one parsed.
    static func document(
        version: Int, yaml: String, parse: () throws -> CarePlanDocument
    ) rethrows -> CarePlanDocument {
        if let entry = last.withLock({ $0 }), entry.version == version, entry.yaml == yaml { return entry.document }
        let document = try parse()
        last.withLock { $0 = Entry(version: version, yaml: yaml, document: document) }
        return document
    }
}
