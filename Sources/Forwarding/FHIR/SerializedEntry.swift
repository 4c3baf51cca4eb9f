public import FHIRModel

/// One Bundle entry as the JSON bytes it is sent as. The forwarder keeps its prepared items in this form: a
/// Bundle (and each half of a rejected one) is these bytes joined, with no tree to build or tear down.
public struct SerializedEntry: Sendable, Hashable {
    public let fullUrl: String
    public let bytes: [UInt8]

    public init(fullUrl: String, bytes: [UInt8]) {
        self.fullUrl = fullUrl
        self.bytes = bytes
    }

    /// An entry built as a tree (Devices, derived Observations, entries other modules queued).
    public init(_ entry: BundleEntry) {
        self.init(fullUrl: entry.fullUrl, bytes: entry.json.serialized())
    }
}
