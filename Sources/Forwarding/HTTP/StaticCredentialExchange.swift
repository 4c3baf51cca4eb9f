/// Requests to the centre with the static credentials of `EndpointConfiguration` (a bearer token, if any; a
/// client certificate is in the TLS settings already): what `AuthorizedExchange` is for access tokens.
public struct StaticCredentialExchange: HTTPExchange {
    let transport: CurlTransport

    public init(_ transport: CurlTransport) { self.transport = transport }

    public func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        var authorized = request
        if let token = transport.endpoint.bearerToken { authorized.headers.append("Authorization: Bearer \(token.value)") }
        return try await transport.send(authorized)
    }
}
