/// A response as the transport received it. The body may hold health data: never log it.
public struct HTTPResponse: Sendable, Hashable {
    public var status: Int
    /// Header fields with lower-cased names (the last occurrence wins).
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// A request as the transport sends it. The body may hold health data or a client assertion: never log it.
public struct HTTPRequest: Sendable {
    public enum Method: String, Sendable { case get = "GET", post = "POST" }
    public var method: Method
    public var url: String
    /// Whole header lines ("Name: value").
    public var headers: [String]
    public var body: [UInt8]

    public init(method: Method, url: String, headers: [String], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// What every FHIR request carries.
    public static let fhirHeaders = ["Content-Type: application/fhir+json", "Accept: application/fhir+json"]
}

/// Why a request produced no HTTP response. None of these mean the receiver rejected the data, so every one
/// of them is retried; none of them may mark anything delivered.
public enum TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No connection: refused, unreachable, name not resolved.
    case connectionFailed(String)
    /// The connection broke before a complete response (reset, empty reply).
    case connectionLost(String)
    /// Connect or total timeout expired.
    case timedOut(String)
    /// TLS failed: certificate not trusted, wrong host name, bad client certificate...
    case tls(String)
    /// libcurl refused an option (a build or configuration problem).
    case setup(String)
    /// The response went beyond what one answer may cost (body, headers): cut off, not read.
    case responseTooLarge(String)
    /// Any other libcurl failure.
    case other(code: Int, detail: String)
    /// No access token could be had for the request (token service down, refusing the hub's credentials):
    /// the data was never sent, so it waits like any other transient failure.
    case authentication(String)

    public var description: String {
        switch self {
        case let .connectionFailed(detail): return "cannot connect: \(detail)"
        case let .connectionLost(detail): return "connection lost: \(detail)"
        case let .timedOut(detail): return "timed out: \(detail)"
        case let .tls(detail): return "TLS failure: \(detail)"
        case let .setup(detail): return "HTTP client setup failed: \(detail)"
        case let .responseTooLarge(detail): return "response refused: \(detail)"
        case let .other(code, detail): return "HTTP failure (curl \(code)): \(detail)"
        case let .authentication(detail): return "no access token: \(detail)"
        }
    }
}

/// Sends a transaction Bundle to the FHIR endpoint.
public protocol FHIRTransport: Sendable {
    func post(_ body: [UInt8]) async throws(TransportError) -> HTTPResponse
    /// `body` queued behind `previous` (see `QueuedPost`; a default waits in a task).
    func post(_ body: [UInt8], after previous: QueuedPost?, sendIf: @escaping @Sendable (QueuedPost.Answer) -> Bool) -> QueuedPost
}

/// Sends one HTTP request and returns the answer (`CurlTransport`; a scripted peer in tests).
public protocol HTTPExchange: Sendable {
    func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse
}
