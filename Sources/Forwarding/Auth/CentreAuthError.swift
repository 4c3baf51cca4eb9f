/// Why the hub has no access token. None of these is about the data: readings wait for the next attempt.
public enum CentreAuthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The private key file cannot be used (a configuration problem, found at start-up).
    case key(String)
    /// The token service answered with an OAuth error (`invalid_client`, `invalid_dpop_proof`, …).
    case refused(String)
    /// The token service could not be reached or answered something that is not a token response.
    case unavailable(String)

    public var description: String {
        switch self {
        case let .key(detail): return "client key: \(detail)"
        case let .refused(detail): return "the token service refused the hub: \(detail)"
        case let .unavailable(detail): return "the token service is unavailable: \(detail)"
        }
    }
}
