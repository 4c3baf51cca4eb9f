public import ReadingStore

/// An outbox item with the FHIR entries it sends, already serialised.
public struct PreparedItem: Sendable {
    public var item: OutboxItem
    public var entries: [SerializedEntry]

    public init(item: OutboxItem, entries: [SerializedEntry]) {
        self.item = item
        self.entries = entries
    }
}

/// A transaction Bundle built from several outbox items, remembering which entries belong to which item so
/// that the transaction-response can be read per item. Entries shared by items (the sensor and gateway
/// Devices) are sent once. Conditional updates (PUT) answer 200 (updated) or 201 (created), conditional creates
/// 200 (already there) or 201: all mean delivered.
///
/// The body is the items' entry bytes joined into one buffer sized up front, in the form
/// `JSON.serialized()` gives the tree `{"resourceType": "Bundle", "type": "transaction", "entry": [...]}`
/// (keys sorted: entry, resourceType, type).
struct TransactionBundle {
    let body: [UInt8]
    let entryCount: Int
    /// For each outbox item id, the positions of its entries in the Bundle.
    let entryIndices: [Int64: [Int]]

    static let opening = Array(#"{"entry":["#.utf8)
    static let closing = Array(#"],"resourceType":"Bundle","type":"transaction"}"#.utf8)

    init(_ items: [PreparedItem]) {
        self.init(entriesByItem: items.map { ($0.item.id, $0.entries) })
    }

    /// The Bundle of each outbox item id's entries, in this order.
    init(entriesByItem items: [(id: Int64, entries: [SerializedEntry])]) {
        var entries: [[UInt8]] = []
        var positions: [String: Int] = [:]
        var indices: [Int64: [Int]] = [:]
        var size = Self.opening.count + Self.closing.count
        for prepared in items {
            var mine: [Int] = []
            for entry in prepared.entries {
                // Only an identical entry is shared. Two different entries under one fullUrl both go in: the
                // receiver rejects that Bundle and the batch is split until they travel apart.
                if let existing = positions[entry.fullUrl], entries[existing] == entry.bytes {
                    mine.append(existing)
                } else {
                    if positions[entry.fullUrl] == nil { positions[entry.fullUrl] = entries.count }
                    mine.append(entries.count)
                    entries.append(entry.bytes)
                    size += entry.bytes.count + 1
                }
            }
            indices[prepared.id] = mine
        }
        var body: [UInt8] = []
        body.reserveCapacity(size)
        body.append(contentsOf: Self.opening)
        for (index, entry) in entries.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: entry)
        }
        body.append(contentsOf: Self.closing)
        self.body = body
        entryCount = entries.count
        entryIndices = indices
    }
}

/// The parts of a transaction-response (or batch-response) Bundle the forwarder needs.
struct TransactionResponse {
    /// HTTP status of each entry, in request order.
    let statuses: [Int]
    /// The OperationOutcome of each entry, when the server gave one.
    let outcomes: [JSON?]

    static func parse(_ body: [UInt8], expectedEntries: Int) throws(ForwardingError) -> TransactionResponse {
        let json: JSON
        do { json = try JSON.parse(body, maximumValues: JSON.maximumResponseValues) } catch { throw .unexpectedResponse("response is not JSON: \(error)") }
        guard json["resourceType"]?.stringValue == "Bundle",
              let type = json["type"]?.stringValue, type == "transaction-response" || type == "batch-response"
        else { throw .unexpectedResponse("response is not a transaction-response Bundle") }
        let entries = json["entry"]?.arrayValue ?? []
        guard entries.count == expectedEntries else {
            throw .unexpectedResponse("response has \(entries.count) entries for \(expectedEntries) sent")
        }
        var statuses: [Int] = []
        var outcomes: [JSON?] = []
        for entry in entries {
            guard let status = entry["response"]?["status"]?.stringValue,
                  let code = Int(status.prefix { $0.isNumber }), (100...599).contains(code)
            else { throw .unexpectedResponse("response entry without a valid status") }
            statuses.append(code)
            outcomes.append(entry["response"]?["outcome"])
        }
        return TransactionResponse(statuses: statuses, outcomes: outcomes)
    }
}

/// Human-readable summary of an OperationOutcome: "error/invalid: diagnostics; ...".
enum OperationOutcomeText {
    static func summary(_ outcome: JSON?) -> String? {
        guard let issues = outcome?["issue"]?.arrayValue, !issues.isEmpty else { return nil }
        return issues.map { issue in
            let severity = issue["severity"]?.stringValue ?? "?"
            let code = issue["code"]?.stringValue ?? "?"
            let detail = issue["diagnostics"]?.stringValue ?? issue["details"]?["text"]?.stringValue ?? ""
            return "\(severity)/\(code)" + (detail.isEmpty ? "" : ": \(detail)")
        }.joined(separator: "; ")
    }
}
