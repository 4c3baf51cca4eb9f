import Foundation

/// An access token as the token service issued it. Redacted in every description.
struct AccessToken: Sendable, CustomStringConvertible {
    let value: String
    /// "DPoP" or "Bearer": the Authorization scheme it goes with.
    let scheme: String
    /// When the hub stops using it (a little before the service's expiry), on the monotonic clock so that the
    /// hub's wall clock being set does not make a token look fresh or stale.
    let renewAt: ContinuousClock.Instant

    var description: String { "AccessToken(\(scheme), redacted)" }

    /// Longest lifetime taken from a token response: a token the service says lasts a year is still renewed daily.
    static let maximumLifetime: TimeInterval = 86_400

    /// Reads a token response (RFC 6749 §5.1). Everything the hub relies on is checked, so a hostile or broken
    /// service cannot make the hub send garbage in an Authorization header.
    static func parse(_ body: [UInt8], dpop: Bool, receivedAt: ContinuousClock.Instant) throws(CentreAuthError) -> AccessToken {
        guard let json = try? JSON.parse(body, maximumValues: 1000), json.objectValue != nil else {
            throw .unavailable("the token response is not a JSON object")
        }
        guard let value = json["access_token"]?.stringValue, !value.isEmpty, value.utf8.count <= 16_384,
              value.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) })
        else { throw .unavailable("the token response has no usable access_token") }
        let type = json["token_type"]?.stringValue ?? ""
        let expected = dpop ? "DPoP" : "Bearer"
        guard type.caseInsensitiveCompare(expected) == .orderedSame else {
            throw .refused("the token service issued a \(type.isEmpty ? "token without token_type" : "\(VisibleTextClip.clip(type)) token"), "
                + "the hub asked for \(expected)")
        }
        guard let seconds = json["expires_in"]?.numberText.flatMap(Double.init), seconds.isFinite, seconds >= 1 else {
            throw .unavailable("the token response has no positive expires_in")
        }
        let lifetime = min(seconds, maximumLifetime)
        // Renewed ahead of expiry: a quarter of its life, at most a minute, early, so a request never goes out
        // with a token about to lapse on its way.
        let margin = min(60, lifetime / 4)
        return AccessToken(value: value, scheme: expected, renewAt: receivedAt + .milliseconds(Int64((lifetime - margin) * 1000)))
    }
}

/// Text from a server that may reach a log line or `dhoctl status`: printable ASCII, bounded.
enum VisibleTextClip {
    static func clip(_ text: String, limit: Int = 200) -> String {
        let printable = String(String.UnicodeScalarView(text.unicodeScalars.map { (0x20...0x7E).contains($0.value) ? $0 : "?" }))
        return printable.count > limit ? String(printable.prefix(limit)) + "…" : printable
    }
}
