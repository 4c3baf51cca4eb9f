import Foundation

/// Holds the hub's access token for the centre: fetched when first needed, reused until shortly before it
/// expires, renewed once more when the centre refuses it, and given with a fresh DPoP proof for each request.
/// One actor per daemon, so concurrent requests share one token and one renewal.
///
/// Failures are reported through `problem` (the `centre-authentication-failing` technical alert): the reason
/// when a token cannot be had or is refused, nil when things work again. A failure never reaches the data: the
/// request is not sent, and the forwarder keeps the readings queued as for any transient failure.
public actor CentreAuthorizer {
    public let settings: CentreAuthSettings
    let tokenService: TokenServiceClient
    let dpopKey: JOSESigningKey?
    let problem: @Sendable (String?) -> Void

    var token: AccessToken?
    var tokenServiceMemory = TokenServiceClient.Memory()
    /// The renewal under way, shared by every request that needs a token meanwhile.
    var renewal: Task<(Result<AccessToken, CentreAuthError>, TokenServiceClient.Memory), Never>?
    /// Per resource-server origin: its latest DPoP nonce, and its clock.
    var resourceNonces: [String: String] = [:]
    var resourceClock = ServerClock()
    var problemReported: String?
    /// The clock token renewal runs on; tests move it forward instead of waiting out a token's life (on a loaded
    /// machine a wait of seconds is not what the test thinks it is).
    var monotonicNow: @Sendable () -> ContinuousClock.Instant = { .now }
    /// Tokens issued so far (for `dhoctl status` and the tests).
    public private(set) var tokensIssued = 0

    /// - Parameters:
    ///   - tokenService: the HTTP client for the token endpoint (a `CurlTransport` for `settings.tokenEndpoint`).
    ///   - dpopKey: the key DPoP proofs are signed with; by default a P-256 key made for this process only.
    public init(
        settings: CentreAuthSettings, tokenService: any HTTPExchange, dpopKey: JOSESigningKey? = nil,
        problem: @escaping @Sendable (String?) -> Void = { _ in }
    ) {
        self.settings = settings
        let key = settings.dpop ? (dpopKey ?? .ephemeralP256()) : nil
        self.dpopKey = key
        self.tokenService = TokenServiceClient(settings: settings, exchange: tokenService, dpopKey: key)
        self.problem = problem
    }

    /// The Authorization (and DPoP) header lines for one request.
    public func authorization(for method: HTTPRequest.Method, url: String) async throws(CentreAuthError) -> [String] {
        let token = try await currentToken()
        guard let dpopKey else { return ["Authorization: Bearer \(token.value)"] }
        let origin = ServerClock.origin(url)
        // Until the centre's own Date header is known, the token service's clock is the best guess: when the two
        // disagree with the hub it is nearly always the hub's clock that is wrong.
        let clock = resourceClock.knows(url) ? resourceClock : tokenServiceMemory.clock
        let clockURL = resourceClock.knows(url) ? url : settings.tokenEndpoint.url
        let proof = try SignedRequestTokens.dpopProof(
            key: dpopKey, method: method, url: url, now: clock.now(for: clockURL, localNow: Date()),
            nonce: resourceNonces[origin], accessToken: token.value)
        return ["Authorization: DPoP \(token.value)", "DPoP: \(proof)"]
    }

    /// What the resource server's answer means for the credentials.
    public enum Assessment: Sendable, Equatable {
        case fine
        /// It wants a (new) DPoP nonce, now remembered: send again.
        case nonceRequired
        /// It refused the proof, and its Date header shows a clock other than the one the proof was stamped
        /// for: send again, stamped in its time.
        case clockCorrected
        /// It refused the token (401 without a nonce challenge): the token is dropped.
        case tokenRefused
    }

    /// Learns from an answer of the resource server (its nonce, its clock) and says whether to send again.
    public func assess(_ response: HTTPResponse, url: String) -> Assessment {
        let origin = ServerClock.origin(url)
        let offsetBefore = resourceClock.knows(url) ? resourceClock.offset(for: url) : tokenServiceMemory.clock.offset(for: settings.tokenEndpoint.url)
        resourceClock.observe(response, from: url, localNow: Date())
        if let nonce = response.headers["dpop-nonce"], TokenServiceClient.isValidNonce(nonce) { resourceNonces[origin] = nonce }
        guard response.status == 401 else {
            if (200...299).contains(response.status) { report(nil) }
            return .fine
        }
        let challenge = response.headers["www-authenticate"] ?? ""
        if dpopKey != nil, challenge.contains("use_dpop_nonce"), response.headers["dpop-nonce"] != nil {
            return .nonceRequired
        }
        if dpopKey != nil, abs(resourceClock.offset(for: url) - offsetBefore) >= ServerClock.noise { return .clockCorrected }
        token = nil
        report("the centre refused the access token (HTTP 401\(Self.challengeError(challenge).map { ", \($0)" } ?? ""))")
        return .tokenRefused
    }

    func currentToken() async throws(CentreAuthError) -> AccessToken {
        if let token, monotonicNow() < token.renewAt { return token }
        if let renewal { return try await renewal.value.0.get() }
        let task = Task { [tokenService, tokenServiceMemory] in
            var memory = tokenServiceMemory
            let result: Result<AccessToken, CentreAuthError>
            do throws(CentreAuthError) {
                result = .success(try await tokenService.requestToken(memory: &memory))
            } catch { result = .failure(error) }
            return (result, memory)
        }
        renewal = task
        let (result, memory) = await task.value
        renewal = nil
        tokenServiceMemory = memory
        switch result {
        case let .success(fresh):
            token = fresh
            tokensIssued += 1
            report(nil)
            return fresh
        case let .failure(error):
            token = nil
            report(error.description)
            throw error
        }
    }

    func useMonotonicClock(_ now: @escaping @Sendable () -> ContinuousClock.Instant) { monotonicNow = now }

    func report(_ reason: String?) {
        guard reason != problemReported else { return }
        problemReported = reason
        problem(reason)
    }

    /// The `error="..."` of a WWW-Authenticate challenge, clipped for display.
    static func challengeError(_ challenge: String) -> String? {
        guard let start = challenge.range(of: "error=\"") else { return nil }
        let rest = challenge[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return VisibleTextClip.clip(String(rest[..<end]), limit: 64)
    }
}
