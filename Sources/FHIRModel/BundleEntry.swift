/// One entry of a transaction Bundle, always idempotent so that sending it again changes nothing:
/// - a conditional create ("POST ... ifNoneExist: identifier=system|value"): the server keeps one copy;
/// - a conditional update ("PUT Type?identifier=system|value"): creates the resource the first time and
///   replaces the same resource afterwards, so later versions (a Flag going inactive) update it in place.
public struct BundleEntry: Sendable, Hashable {
    public var fullUrl: String
    public var json: JSON

    /// An entry exactly as given (Forwarding's `init(queued:)` checks one queued by another module first).
    public init(validated json: JSON, fullUrl: String) {
        self.fullUrl = fullUrl
        self.json = json
    }

    /// A conditional create of `resource` keyed on the identifier `system|value`.
    public init(fullUrl: String, resourceType: String, resource: JSON, identifierSystem: String, identifierValue: String) {
        self.fullUrl = fullUrl
        json = [
            "fullUrl": .string(fullUrl),
            "resource": resource,
            "request": [
                "method": "POST",
                "url": .string(resourceType),
                "ifNoneExist": .string(BundleEntry.identifierQuery(system: identifierSystem, value: identifierValue)),
            ],
        ]
    }

    /// A conditional update of `resource` keyed on the identifier `system|value`:
    /// `PUT <resourceType>?identifier=system|value`. The server creates the resource when nothing has that
    /// identifier (201) and replaces the one that has it otherwise (200).
    public init(
        conditionalUpdateOf resource: JSON, resourceType: String, fullUrl: String, identifierSystem: String,
        identifierValue: String
    ) {
        self.fullUrl = fullUrl
        json = [
            "fullUrl": .string(fullUrl),
            "resource": resource,
            "request": [
                "method": "PUT",
                "url": .string(BundleEntry.conditionalURL(
                    resourceType: resourceType, system: identifierSystem, value: identifierValue)),
            ],
        ]
    }

    /// The request URL when this entry is a PUT: the resource it writes. Outbox items that update the same
    /// resource must be delivered in queue order, so they are enqueued with this as their sequence key.
    public var updatedResourceURL: String? {
        guard json["request"]?["method"]?.stringValue == "PUT" else { return nil }
        return json["request"]?["url"]?.stringValue
    }

    /// "Type?identifier=system|value", the search a conditional update or a conditional reference uses.
    public static func conditionalURL(resourceType: String, system: String, value: String) -> String {
        resourceType + "?" + identifierQuery(system: system, value: value)
    }

    /// Splits "Flag?identifier=..." or "Flag/123" into the type and what follows the separator.
    public static func updateTarget(_ url: String) -> (type: String, rest: Substring)? {
        guard let separator = url.firstIndex(where: { $0 == "?" || $0 == "/" }) else { return nil }
        let type = url[..<separator]
        guard !type.isEmpty, type.allSatisfy({ $0.isASCII && $0.isLetter }) else { return nil }
        return (String(type), url[url.index(after: separator)...])
    }

    /// The outbox payload for `entries`: what the reading store's outbox expects for items that are not readings
    /// (Triage's alert Flags).
    public static func payload(_ entries: [BundleEntry]) -> [UInt8] {
        JSON.array(entries.map(\.json)).serialized()
    }

    /// "identifier=system|value" with FHIR search escaping (\, |, $, ,) and URL percent-encoding.
    public static func identifierQuery(system: String, value: String) -> String {
        "identifier=" + queryText(system) + "|" + queryText(value)
    }

    /// `text` search-escaped and percent-encoded. Identifier systems and values (URIs, UUIDs, sensor keys) almost
    /// never need either, and walking them character by character cost ~6 % of a backlog drain (perf, debug
    /// `bench drain`: every entry has one), so plain text is returned as it is.
    static func queryText(_ text: String) -> String {
        if text.utf8.allSatisfy(isUnreserved) { return text }
        return percentEncoded(searchEscaped(text))
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
             UInt8(ascii: "~"), UInt8(ascii: ":"), UInt8(ascii: "/"):
            return true
        default:
            return false
        }
    }

    static func searchEscaped(_ text: String) -> String {
        var result = ""
        for character in text {
            if "\\|$,".contains(character) { result.append("\\") }
            result.append(character)
        }
        return result
    }

    static func percentEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF")
        var result = ""
        for byte in text.utf8 {
            if isUnreserved(byte) {
                result.append(Character(Unicode.Scalar(byte)))
            } else {
                result.append("%")
                result.append(hex[Int(byte >> 4)])
                result.append(hex[Int(byte & 0x0F)])
            }
        }
        return result
    }
}
