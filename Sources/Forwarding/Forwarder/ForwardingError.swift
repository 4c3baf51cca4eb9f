public import ReadingStore

/// Errors of the forwarding layer.
public enum ForwardingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A setting is unusable (endpoint URL, TLS files, patient reference...).
    case configuration(String)
    /// An outbox payload queued by another module is not a list of valid conditional entries.
    case invalidPayload(String)
    /// The receiver answered 2xx with something that is not a matching transaction-response.
    case unexpectedResponse(String)
    case transport(TransportError)
    case store(StoreError)

    public var description: String {
        switch self {
        case let .configuration(detail): return "forwarding configuration: \(detail)"
        case let .invalidPayload(detail): return "invalid outbox payload: \(detail)"
        case let .unexpectedResponse(detail): return "unexpected response from the FHIR receiver: \(detail)"
        case let .transport(error): return error.description
        case let .store(error): return error.description
        }
    }
}
