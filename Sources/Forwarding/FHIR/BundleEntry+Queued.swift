public import FHIRModel

extension BundleEntry {
    /// An entry queued by another module (outbox payload). It must have a fullUrl, a resource with a
    /// resourceType and a request that is idempotent: a POST with `ifNoneExist` (an unconditional create would
    /// duplicate on every retry) or a PUT on `Type?<search>` or `Type/<id>` naming the resource's own type.
    public init(queued json: JSON) throws(ForwardingError) {
        guard let fullUrl = json["fullUrl"]?.stringValue, let resourceType = json["resource"]?["resourceType"]?.stringValue,
              let request = json["request"]?.objectValue, let method = request["method"]?.stringValue,
              let url = request["url"]?.stringValue
        else { throw .invalidPayload("a queued entry needs fullUrl, resource.resourceType and request.method/url") }
        switch method {
        case "POST":
            guard request["ifNoneExist"]?.stringValue?.isEmpty == false else {
                throw .invalidPayload("queued entry \(fullUrl) is a POST without ifNoneExist: retries would duplicate it")
            }
            guard url == resourceType else {
                throw .invalidPayload("queued entry \(fullUrl) posts a \(resourceType) to \(url)")
            }
        case "PUT":
            guard let target = Self.updateTarget(url), target.type == resourceType, !target.rest.isEmpty else {
                throw .invalidPayload(
                    "queued entry \(fullUrl): a PUT must address \(resourceType)?<search> or \(resourceType)/<id>, not \(url)")
            }
        default:
            throw .invalidPayload("queued entry \(fullUrl): \(method) is not an idempotent create or update")
        }
        self.init(validated: json, fullUrl: fullUrl)
    }
}
