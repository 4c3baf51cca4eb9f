public import FHIRModel

extension ProjectCanonical {
    /// - Throws: `ForwardingError.configuration` unless `base` is an http(s) URL without spaces, query or fragment.
    public init(base: String) throws(ForwardingError) {
        guard let canonical = ProjectCanonical(validBase: base) else {
            throw .configuration("the canonical base must be an http(s) URL such as \(Self.defaultBase)")
        }
        self = canonical
    }
}
