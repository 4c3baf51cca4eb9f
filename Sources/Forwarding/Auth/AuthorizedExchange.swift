/// Requests to the centre's FHIR server with the hub's access token: each request gets its Authorization and
/// DPoP headers from the `CentreAuthorizer`; a nonce challenge is answered, a proof refused for the hub's clock
/// stamped again in the server's time, and a refused token renewed, once each, before the answer goes back to the caller. A request for which no token can be had is not sent
/// (`TransportError.authentication`): the forwarder keeps the data queued, never parks it for that.
public struct AuthorizedExchange: FHIRTransport, HTTPExchange {
    let exchange: any HTTPExchange
    let fhirBase: String
    public let authorizer: CentreAuthorizer

    public init(exchange: any HTTPExchange, fhirBase: String, authorizer: CentreAuthorizer) {
        self.exchange = exchange
        self.fhirBase = fhirBase
        self.authorizer = authorizer
    }

    /// A transaction Bundle to the FHIR base.
    public func post(_ body: [UInt8]) async throws(TransportError) -> HTTPResponse {
        try await send(HTTPRequest(method: .post, url: fhirBase, headers: HTTPRequest.fhirHeaders, body: body))
    }

    public func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        var answeredNonce = false
        var correctedClock = false
        var renewedToken = false
        while true {
            var authorized = request
            do {
                authorized.headers += try await authorizer.authorization(for: request.method, url: request.url)
            } catch {
                throw .authentication(error.description)
            }
            let response = try await exchange.send(authorized)
            switch await authorizer.assess(response, url: request.url) {
            case .nonceRequired where !answeredNonce:
                answeredNonce = true
            case .clockCorrected where !correctedClock:
                correctedClock = true
            case .tokenRefused where !renewedToken:
                renewedToken = true
            default:
                return response
            }
        }
    }
}
