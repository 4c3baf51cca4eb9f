import Foundation
import Synchronization

/// The active plan's parsed document, kept while its YAML stays the same.
///
/// Triage evaluates every reading against the active plan, and `PlanRecords.active` used to parse its YAML each
/// time: 12 % of the daemon's CPU under load (perf on `bench resources`, debug build), more than the reading's
/// own commit. The YAML is still read from the database in the reading's transaction (so a plan installed or
/// activated in between is seen at once); only parsing the same text again is skipped. The text is compared as the
/// bytes SQLite holds (`PlanRecords.activeDocument`): making a `String` of a plan of some kilobytes for every reading,
/// with the rest of its row, was most of what was left of the active plan's 0.9 % (issue 16). One entry: one plan is
/// active at a time.
enum ParsedPlanMemo {
    private struct Entry {
        let version: Int
        let yaml: Data
        let document: CarePlanDocument
    }

    private static let last = Mutex<Entry?>(nil)

    /// The document of `yaml` (plan version `version`), parsed by `parse` unless it was the last one parsed.
    static func document(
        version: Int, yaml: String, parse: () throws -> CarePlanDocument
    ) rethrows -> CarePlanDocument {
        if let document = remembered(version: version, yaml: Data(yaml.utf8)) { return document }
        let document = try parse()
        last.withLock { $0 = Entry(version: version, yaml: Data(yaml.utf8), document: document) }
        return document
    }

    /// The document parsed last, if it was plan version `version` with exactly this YAML (UTF-8).
    static func remembered(version: Int, yaml: Data) -> CarePlanDocument? {
        last.withLock { entry in
            guard let entry, entry.version == version, entry.yaml == yaml else { return nil }
            return entry.document
        }
    }
}
