/// The canonical URLs of the extensions and code systems the project defines itself (the triage zone of a
/// reading, the Flag's details, device flags and reading context no standard code covers), all under one base
/// the operator sets (`forwarding.canonical-base`) to where the definitions are published, so that a centre's
/// server can resolve them. FHIR wants canonical URLs to be resolvable URLs; the earlier `urn:dho-gateway:*`
/// names were not (issue 13, finding 11).
public struct ProjectCanonical: Sendable, Hashable {
    /// Where the project's definitions live unless the operator says otherwise.
    public static let defaultBase = "https://dho-gateway.org/fhir"
    public static let `default` = ProjectCanonical(checkedBase: defaultBase)

    /// "https://..." without a trailing slash.
    public let base: String

    /// nil unless `base` is an http(s) URL without spaces, query or fragment (a trailing slash is dropped).
    public init?(validBase base: String) {
        var trimmed = Substring(base)
        while let first = trimmed.first, first.isWhitespace { trimmed = trimmed.dropFirst() }
        while let last = trimmed.last, last.isWhitespace || last == "/" { trimmed = trimmed.dropLast() }
        guard trimmed.hasPrefix("https://") || trimmed.hasPrefix("http://"),
              trimmed.split(separator: "/", omittingEmptySubsequences: true).count >= 2,
              !trimmed.contains(where: { $0.isWhitespace || $0 == "?" || $0 == "#" || $0 == "|" })
        else { return nil }
        self.base = String(trimmed)
    }

    private init(checkedBase: String) { base = checkedBase }

    public func codeSystem(_ name: String) -> String { "\(base)/CodeSystem/\(name)" }
    public func structureDefinition(_ name: String) -> String { "\(base)/StructureDefinition/\(name)" }

    /// Device status flags that are not bits of an IEEE 11073 status field, named in the Observation's note.
    public var readingFlagCodeSystem: String { codeSystem("reading-flag") }
    /// Reading context no standard code covers (a qualifier's key).
    public var qualifierCodeSystem: String { codeSystem("qualifier") }
    /// A quantity the code table has no MDC code for (never dropped: coded under the project's system).
    public var vitalSignCodeSystem: String { codeSystem("vital-sign") }
    /// The traffic-light zone of an Observation or component (see README "FHIR conformance").
    public var triageInterpretationExtension: String { structureDefinition("triage-interpretation") }

    /// The `urn:dho-gateway:fhir:<kind>:<name>` form hubs before the PHD IG 2.0.0 mapping wrote into Flags
    /// they queued, and its canonical replacement (see `upgradingLegacyURLs`).
    static let legacyPrefixes = ["urn:dho-gateway:fhir:StructureDefinition:", "urn:dho-gateway:fhir:CodeSystem:"]

    /// `json` with every legacy `urn:dho-gateway:fhir:*` extension URL or code system replaced by its canonical
    /// URL under this base. Items queued by an older version (Triage's Flags are rendered when queued) go out
    /// conformant after an upgrade; their identifiers are untouched, so nothing is lost or duplicated.
    public func upgradingLegacyURLs(_ json: JSON) -> JSON {
        switch json {
        case let .object(members):
            var upgraded: [String: JSON] = [:]
            for (key, value) in members {
                if key == "url" || key == "system", let text = value.stringValue, let url = canonical(forLegacy: text) {
                    upgraded[key] = .string(url)
                } else {
                    upgraded[key] = upgradingLegacyURLs(value)
                }
            }
            return .object(upgraded)
        case let .array(items):
            return .array(items.map(upgradingLegacyURLs))
        default:
            return json
        }
    }

    func canonical(forLegacy text: String) -> String? {
        for prefix in Self.legacyPrefixes where text.hasPrefix(prefix) {
            let kind = prefix.dropFirst("urn:dho-gateway:fhir:".count).dropLast()
            return "\(base)/\(kind)/\(text.dropFirst(prefix.count))"
        }
        return nil
    }
}
