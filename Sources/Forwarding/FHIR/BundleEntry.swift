/// One entry of a transaction Bundle: a resource created conditionally ("POST ... ifNoneExist"), so that
/// sending it again never creates a second copy.
public struct BundleEntry: Sendable, Hashable {
    public var fullUrl: String
    public var json: JSON

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

    /// An entry queued by another module (outbox payload). It must have a fullUrl and a request, and a POST
    /// must be conditional: an unconditional create would duplicate on every retry.
    public init(queued json: JSON) throws(ForwardingError) {
        guard let fullUrl = json["fullUrl"]?.stringValue, json["resource"]?.objectValue != nil,
              let request = json["request"]?.objectValue, let method = request["method"]?.stringValue,
              request["url"]?.stringValue != nil
        else { throw .invalidPayload("a queued entry needs fullUrl, resource and request.method/url") }
        if method == "POST", request["ifNoneExist"]?.stringValue == nil {
            throw .invalidPayload("queued entry \(fullUrl) is a POST without ifNoneExist: retries would duplicate it")
        }
        self.fullUrl = fullUrl
        self.json = json
    }

    /// The outbox payload for `entries`: what `ReadingStore.enqueue(kind:key:payload:)` or
    /// `Outbox.enqueue(_:...)` expects for items that are not readings (Triage's alerts).
    public static func payload(_ entries: [BundleEntry]) -> [UInt8] {
        JSON.array(entries.map(\.json)).serialized()
    }

    /// "identifier=system|value" with FHIR search escaping (\, |, $, ,) and URL percent-encoding.
    public static func identifierQuery(system: String, value: String) -> String {
        "identifier=" + percentEncoded(searchEscaped(system)) + "|" + percentEncoded(searchEscaped(value))
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
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"), UInt8(ascii: ":"), UInt8(ascii: "/"):
                result.append(Character(Unicode.Scalar(byte)))
            default:
                result.append("%")
                result.append(hex[Int(byte >> 4)])
                result.append(hex[Int(byte & 0x0F)])
            }
        }
        return result
    }
}
