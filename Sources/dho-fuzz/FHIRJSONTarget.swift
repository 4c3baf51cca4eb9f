import Forwarding

/// Forwarding's hand-written JSON parser reads FHIR servers' responses (untrusted) and the Bundle entries other
/// modules queued. What parses must serialise to bytes that parse to the same value, and serialising is stable.
enum FHIRJSONTarget {
    static func run(_ input: [UInt8]) {
        let json: JSON
        do { json = try JSON.parse(input) } catch {
            _ = error.description
            return
        }
        let bytes = json.serialized()
        guard let again = try? JSON.parse(bytes), again == json else { violated("JSON does not round-trip: \(json.text)") }
        guard again.serialized() == bytes else { violated("JSON serialisation is not stable") }
        // Queued payloads are arrays of Bundle entries, checked for idempotence before they are sent.
        for entry in json.arrayValue ?? [json] {
            if let checked = try? BundleEntry(queued: entry) { _ = checked.updatedResourceURL }
        }
    }
}
