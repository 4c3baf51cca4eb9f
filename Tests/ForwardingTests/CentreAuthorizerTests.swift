import FHIRTestSupport
import TestSupport
@testable import Forwarding
import Foundation
import Synchronization
import Testing

/// The hub's OAuth client against an independent, strict token service (Tests/peers/token_service.py, jwcrypto)
/// and the reference receiver accepting only that service's tokens: real HTTP on loopback, real keys from the
/// openssl command line.
@Suite struct CentreAuthorizerTests {
    static let clientID = "dho-hub-test"
    static let bundle: JSON = ["resourceType": "Bundle", "type": "transaction", "entry": []]

    /// A token service for a fresh key of `kind`, a receiver that trusts it, and an authorizer for the hub.
    struct Peers {
        let directory: TemporaryDirectory
        let service: TokenServiceProcess
        let receiver: ReceiverProcess
        let authorizer: CentreAuthorizer
        let problems: ProblemLog
        let exchange: AuthorizedExchange

        init(
            _ kind: TestKeys.Kind = .ecP256, algorithm: JWSAlgorithm? = nil, dpop: Bool = true,
            serviceArguments: [String] = [], requireNonce: Bool = false, clockOffset: Double = 0,
            registerAnotherKey: Bool = false
        ) async throws {
            directory = TemporaryDirectory()
            let url = URL(fileURLWithPath: directory.path)
            let hubKey = try TestKeys.make(kind, in: url, name: "hub")
            let registered = registerAnotherKey ? try TestKeys.make(.ecP256, in: url, name: "other").publicKey : hubKey.publicKey
            service = try await TokenServiceProcess(
                clientID: CentreAuthorizerTests.clientID, clientPublicKey: registered, directory: url,
                arguments: serviceArguments + (clockOffset != 0 ? ["--clock-offset", String(clockOffset)] : []))
            receiver = try await ReceiverProcess(
                arguments: service.receiverArguments(requireNonce: requireNonce, clockOffset: clockOffset))
            let key = try JOSESigningKey.parse(
                try String(contentsOfFile: hubKey.privateKey, encoding: .utf8), algorithm: algorithm, keyID: "hub-key-1")
            let tokenEndpoint = try EndpointConfiguration(url: service.tokenURL)
            let settings = try CentreAuthSettings(
                tokenEndpoint: tokenEndpoint, clientID: CentreAuthorizerTests.clientID, scopes: ["dho:readings"],
                key: key, dpop: dpop)
            let problems = ProblemLog()
            self.problems = problems
            authorizer = CentreAuthorizer(
                settings: settings, tokenService: try CurlTransport(endpoint: tokenEndpoint),
                problem: { problem in problems.reports.withLock { $0.append(problem) } })
            let fhir = try EndpointConfiguration(url: receiver.url)
            exchange = AuthorizedExchange(exchange: try CurlTransport(endpoint: fhir), fhirBase: fhir.url, authorizer: authorizer)
        }
    }

    @Test(arguments: [(TestKeys.Kind.ecP256, JWSAlgorithm.es256), (.rsa2048, .ps256), (.rsa2048, .rs256)])
    func eachAlgorithmGetsADPoPBoundTokenTheCentreAccepts(kind: TestKeys.Kind, algorithm: JWSAlgorithm) async throws {
        let peers = try await Peers(kind, algorithm: algorithm)
        let response = try await peers.exchange.post(Self.bundle.serialized())
        #expect(response.status == 200, "\(String(decoding: response.body, as: UTF8.self))")
        #expect(try await peers.service.issued() == 1)
        #expect(try await peers.service.refusals().isEmpty)
        // The token is reused while it is fresh; every request still has its own proof (the receiver refuses a
        // replayed jti).
        for _ in 0..<3 { #expect(try await peers.exchange.post(Self.bundle.serialized()).status == 200) }
        #expect(try await peers.service.issued() == 1)
        #expect(try await peers.receiver.stat("unauthorized") == 0)
    }

    @Test func aBearerTokenWithoutDPoPIsAcceptedToo() async throws {
        let peers = try await Peers(dpop: false)
        #expect(try await peers.exchange.post(Self.bundle.serialized()).status == 200)
    }

    @Test func nonceChallengesOfTheTokenServiceAndTheCentreAreAnswered() async throws {
        let peers = try await Peers(serviceArguments: ["--require-nonce"], requireNonce: true)
        #expect(try await peers.exchange.post(Self.bundle.serialized()).status == 200)
        #expect(try await peers.service.refusals().map { $0.prefix(14) } == ["use_dpop_nonce"])
        #expect(try await peers.receiver.stat("unauthorized") == 1)   // the challenge, answered once
        #expect(try await peers.service.issued() == 1)
    }

    @Test func aHubClockTwoMinutesOffIsCorrectedFromTheServersDateHeader() async throws {
        let peers = try await Peers(clockOffset: 120)
        #expect(try await peers.exchange.post(Self.bundle.serialized()).status == 200)
        // The first assertion was stamped with the hub's clock and refused; the second, in the service's time, not.
        let refusals = try await peers.service.refusals()
        #expect(refusals.count == 1 && refusals[0].contains("has expired"), "\(refusals)")
        let stats = try await peers.service.stats()
        #expect(stats["issued"] as? Int == 1, "\(stats)")
        // The centre's clock is as far off: its first proof is already stamped in the token service's time.
        #expect(try await peers.receiver.stat("unauthorized") == 0)
    }

    @Test func aKeyTheServiceDoesNotKnowIsAProblemWithTheReasonAndNothingIsSent() async throws {
        let peers = try await Peers(registerAnotherKey: true)
        await #expect(throws: TransportError.self) { try await peers.exchange.post(Self.bundle.serialized()) }
        #expect(try await peers.receiver.stat("requests") == 0)
        let problem = peers.problems.reports.withLock { $0.last ?? nil }
        #expect(problem?.contains("invalid_client") == true, "\(String(describing: problem))")
        #expect(problem?.contains("signature") == true, "\(String(describing: problem))")
    }

    @Test func aServiceThatIsDownIsReportedAndClearedWhenItIsBack() async throws {
        let peers = try await Peers()
        try await peers.service.down()
        do {
            _ = try await peers.exchange.post(Self.bundle.serialized())
            Issue.record("posted without a token")
        } catch {
            #expect(error.description.contains("HTTP 503"), "\(error)")
        }
        try await peers.service.up()
        #expect(try await peers.exchange.post(Self.bundle.serialized()).status == 200)
        let reports = peers.problems.reports.withLock { $0 }
        #expect(reports.count == 2 && reports[0]?.contains("HTTP 503") == true && reports[1] == nil, "\(reports)")
    }

    @Test func aTokenTheCentreRefusesIsRenewedOnceThenReported() async throws {
        // Tokens for another audience: the receiver refuses every one.
        let peers = try await Peers(serviceArguments: ["--resource", "another-service"])
        let response = try await peers.exchange.post(Self.bundle.serialized())
        #expect(response.status == 401)   // the forwarder retries it later; a 401 never parks anything
        #expect(try await peers.service.issued() == 2)
        #expect(try await peers.receiver.stat("unauthorized") == 2)
        let problem = peers.problems.reports.withLock { $0.last ?? nil }
        #expect(problem?.contains("the centre refused the access token (HTTP 401, invalid_token)") == true, "\(String(describing: problem))")
    }

    @Test func anExpiredTokenIsRenewedBeforeItLapses() async throws {
        // A 4-minute token is renewed a minute (at most a quarter of its life) early, 180 s after it came. The
        // hub's clock is moved rather than waited on: with a 2 s token and a real wait, a stalled machine let the
        // centre see it lapse first. The real time that passes meanwhile only adds to the shifts (2 minutes slack).
        let peers = try await Peers(serviceArguments: ["--token-lifetime", "240"])
        let ahead = Mutex<Duration>(.zero)
        await peers.authorizer.useMonotonicClock { .now + ahead.withLock { $0 } }
        #expect(try await peers.exchange.post(Self.bundle.serialized()).status == 200)
        ahead.withLock { $0 = .seconds(60) }
        #expect(try await peers.exchange.post(Self.bundle.serialized()).status == 200)
        #expect(try await peers.service.issued() == 1)   // still well within its life: reused
        ahead.withLock { $0 = .seconds(181) }
        #expect(try await peers.exchange.post(Self.bundle.serialized()).status == 200)
        #expect(try await peers.service.issued() == 2)
        #expect(try await peers.receiver.stat("unauthorized") == 0)   // renewed before it lapsed, not after a 401
    }

    @Test func theServiceRefusesAReplayedAssertionAndProof() async throws {
        // Proves the peer's checks can fail: the same signed request twice.
        let peers = try await Peers()
        let client = await peers.authorizer.tokenService
        let request = try client.tokenRequest(now: Date(), nonce: nil)
        let curl = try CurlTransport(endpoint: EndpointConfiguration(url: peers.service.tokenURL))
        #expect(try await curl.send(request).status == 200)
        let replay = try await curl.send(request)
        #expect(replay.status == 401)
        #expect(String(decoding: replay.body, as: UTF8.self).contains("replay"))
    }

    @Test func hostileTokenResponsesAreRefusedWithTheReason() throws {
        func parse(_ text: String, dpop: Bool = true) -> String {
            do {
                _ = try AccessToken.parse(Array(text.utf8), dpop: dpop, receivedAt: .now)
                return "accepted"
            } catch { return error.description }
        }
        #expect(parse(#"{"access_token":"abc","token_type":"DPoP","expires_in":60}"#) == "accepted")
        #expect(parse(#"{"access_token":"abc","token_type":"Bearer","expires_in":60}"#).contains("the hub asked for DPoP"))
        #expect(parse(#"{"access_token":"a b","token_type":"DPoP","expires_in":60}"#).contains("no usable access_token"))
        #expect(parse(#"{"access_token":"abc\r\nX: y","token_type":"DPoP","expires_in":60}"#).contains("no usable access_token"))
        #expect(parse(#"{"access_token":"abc","token_type":"DPoP","expires_in":-5}"#).contains("no positive expires_in"))
        #expect(parse(#"{"access_token":"abc","token_type":"DPoP"}"#).contains("no positive expires_in"))
        #expect(parse("<html>captive portal</html>").contains("not a JSON object"))
        #expect(parse(#"{"access_token":"abc","token_type":"Bearer","expires_in":60}"#, dpop: false) == "accepted")
    }

    @Test func unusableKeysAreRefusedWithAPreciseReason() throws {
        let directory = TemporaryDirectory()
        let url = URL(fileURLWithPath: directory.path)
        let ec = try String(contentsOfFile: TestKeys.make(.ecP256, in: url, name: "ec").privateKey, encoding: .utf8)
        func refusal(_ text: String, _ algorithm: JWSAlgorithm? = nil) -> String {
            do {
                _ = try JOSESigningKey.parse(text, algorithm: algorithm, keyID: nil)
                return "accepted"
            } catch { return error.description }
        }
        #expect(refusal(ec) == "accepted")
        #expect(refusal(ec, .ps256).contains("signs ES256, not PS256"))
        #expect(refusal("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----").contains("encrypted"))
        #expect(refusal("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----").contains("neither an EC P-256 nor an RSA"))
        #expect(refusal("hello").contains("neither a PEM private key nor a JWK"))
        #expect(refusal(#"{"kty":"oct","k":"AAAA"}"#).contains("key type oct is not supported"))
        #expect(refusal(#"{"keys":[{"kty":"EC"},{"kty":"EC"}]}"#).contains("holds 2 keys"))
        // A JWK whose public half belongs to another key.
        let key = try JOSESigningKey.parse(ec, algorithm: nil, keyID: nil)
        let other = JOSESigningKey.ephemeralP256().publicJWK
        let d = try #require(Self.privateScalar(key))
        let mismatched = JSON.object(["kty": "EC", "crv": "P-256", "d": .string(d), "x": other["x"]!, "y": other["y"]!])
        #expect(refusal(String(decoding: mismatched.serialized(), as: UTF8.self)).contains("do not belong"))
        let matching = JSON.object(["kty": "EC", "crv": "P-256", "d": .string(d), "x": key.publicJWK["x"]!, "y": key.publicJWK["y"]!,
                                    "kid": "from-jwk"])
        #expect(try JOSESigningKey.parse(String(decoding: matching.serialized(), as: UTF8.self), algorithm: nil, keyID: nil).keyID == "from-jwk")
    }

    /// What the authorizer reported, in order (nil: cleared).
    final class ProblemLog: Sendable {
        let reports = Mutex<[String?]>([])
    }

    static func privateScalar(_ key: JOSESigningKey) -> String? {
        if case let .ellipticCurve(raw) = key.material { return Base64URL.encode(raw) }
        return nil
    }
}
