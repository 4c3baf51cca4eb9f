import Foundation

/// How far a server's clock is from the hub's, read from the `Date` header of its answers (RFC 9110 §6.6.1).
/// Tokens and proofs carry `iat`/`exp`, which a server checks against its own clock within a minute or so: a hub
/// whose clock is two minutes off would be refused for ever. Stamping with the server's time (as last seen)
/// keeps the hub working while its own clock is wrong; the offset is per origin, because two servers can
/// disagree too. One second of resolution is far inside every server's tolerance.
struct ServerClock: Sendable {
    private(set) var offsets: [String: TimeInterval] = [:]

    /// Remembers the offset the answer shows; a missing or malformed Date header changes nothing.
    mutating func observe(_ response: HTTPResponse, from url: String, localNow: Date) {
        guard let header = response.headers["date"], let serverNow = RetryAfter.httpDate(header) else { return }
        // Date has whole seconds, and an answer read late on a busy hub looks older than it is: differences
        // below `noise` are not taken for a wrong clock (servers tolerate far more).
        let offset = serverNow.timeIntervalSince(localNow)
        offsets[Self.origin(url)] = abs(offset) < Self.noise ? 0 : offset
    }

    /// The server's idea of now, as far as the hub knows it.
    func now(for url: String, localNow: Date) -> Date {
        localNow.addingTimeInterval(offsets[Self.origin(url)] ?? 0)
    }

    func offset(for url: String) -> TimeInterval { offsets[Self.origin(url)] ?? 0 }

    /// Seconds of difference that say nothing about the clocks (resolution, queueing, a slow round trip).
    static let noise: TimeInterval = 5

    func knows(_ url: String) -> Bool { offsets[Self.origin(url)] != nil }

    /// scheme://host:port: the unit a server (and its clock and its DPoP nonces) stands for.
    static func origin(_ url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host
        else { return url }
        return "\(scheme.lowercased())://\(host.lowercased())" + (components.port.map { ":\($0)" } ?? "")
    }

    /// The `htu` of a DPoP proof: the URL without query and fragment (RFC 9449 §4.2).
    static func targetURI(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.query = nil
        components.fragment = nil
        return components.string ?? url
    }
}
