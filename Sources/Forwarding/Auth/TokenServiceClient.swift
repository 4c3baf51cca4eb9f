import Foundation

/// Asks the token service for an access token with the client-credentials grant and a `private_key_jwt`
/// assertion, DPoP-bound when configured. One call may take up to three requests: the service can ask for a
/// DPoP nonce (`use_dpop_nonce`, RFC 9449 §8), and a refusal whose Date header shows the hub's clock off is
/// tried once more with the service's time.
struct TokenServiceClient: Sendable {
    let settings: CentreAuthSettings
    let exchange: any HTTPExchange
    let dpopKey: JOSESigningKey?

    /// Remembered between calls: the service's last nonce and clock.
    struct Memory: Sendable {
        var nonce: String?
        var clock = ServerClock()
    }

    func requestToken(memory: inout Memory) async throws(CentreAuthError) -> AccessToken {
        let url = settings.tokenEndpoint.url
        var retriedNonce = false
        var retriedClock = false
        while true {
            let now = memory.clock.now(for: url, localNow: Date())
            let request = try tokenRequest(now: now, nonce: memory.nonce)
            let response: HTTPResponse
            do { response = try await exchange.send(request) } catch { throw .unavailable(error.description) }
            let receivedAt = ContinuousClock.now
            let offsetBefore = memory.clock.offset(for: url)
            memory.clock.observe(response, from: url, localNow: Date())
            if let nonce = response.headers["dpop-nonce"], Self.isValidNonce(nonce) { memory.nonce = nonce }

            if (200...299).contains(response.status) {
                return try AccessToken.parse(response.body, dpop: settings.dpop, receivedAt: receivedAt)
            }
            let error = OAuthErrorResponse(response.body)
            if error.code == "use_dpop_nonce", settings.dpop, !retriedNonce, response.headers["dpop-nonce"] != nil {
                retriedNonce = true
                continue
            }
            let clockMoved = abs(memory.clock.offset(for: url) - offsetBefore) >= ServerClock.noise
            if [400, 401].contains(response.status), clockMoved, !retriedClock {
                // Our stamps were off by what the Date header now tells: once more in the service's time.
                retriedClock = true
                continue
            }
            if [400, 401].contains(response.status), let code = error.code {
                throw .refused(error.summary(code: code, status: response.status))
            }
            throw .unavailable("HTTP \(response.status) from the token service")
        }
    }

    func tokenRequest(now: Date, nonce: String?) throws(CentreAuthError) -> HTTPRequest {
        let assertion = try SignedRequestTokens.clientAssertion(settings, now: now)
        var form = [
            ("grant_type", "client_credentials"),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_assertion", assertion),
        ]
        if !settings.scopes.isEmpty { form.append(("scope", settings.scopes.joined(separator: " "))) }
        var headers = ["Content-Type: application/x-www-form-urlencoded", "Accept: application/json"]
        if let dpopKey {
            let proof = try SignedRequestTokens.dpopProof(
                key: dpopKey, method: .post, url: settings.tokenEndpoint.url, now: now, nonce: nonce, accessToken: nil)
            headers.append("DPoP: \(proof)")
        }
        let body = form.map { "\($0.0)=\(Self.formEncode($0.1))" }.joined(separator: "&")
        return HTTPRequest(method: .post, url: settings.tokenEndpoint.url, headers: headers, body: Array(body.utf8))
    }

    /// application/x-www-form-urlencoded: everything but unreserved characters percent-encoded.
    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// A nonce goes back into a signed proof: only the characters RFC 9449 §8.1 allows (NQCHAR), bounded.
    static func isValidNonce(_ nonce: String) -> Bool {
        !nonce.isEmpty && nonce.utf8.count <= 1024
            && nonce.unicodeScalars.allSatisfy { $0.value == 0x21 || (0x23...0x5B).contains($0.value) || (0x5D...0x7E).contains($0.value) }
    }
}

/// An OAuth error answer (RFC 6749 §5.2), read defensively: the text ends up in `dhoctl status`.
struct OAuthErrorResponse {
    var code: String?
    var detail: String?

    init(_ body: [UInt8]) {
        let json = try? JSON.parse(body, maximumValues: 1000)
        code = json?["error"]?.stringValue.map { VisibleTextClip.clip($0, limit: 64) }
        detail = json?["error_description"]?.stringValue.map { VisibleTextClip.clip($0) }
    }

    func summary(code: String, status: Int) -> String {
        "\(code)" + (detail.map { " (\($0))" } ?? "") + " [HTTP \(status)]"
    }
}
