import Forwarding
import Foundation
import Logging

/// The transport to the centre's FHIR server as the configuration asks for it: plain (mTLS, a static bearer
/// token, or nothing), or with access tokens from the token service (`forwarding: authentication:`).
struct CentreConnection {
    let transport: any FHIRTransport
    /// The same credentials for other requests to the centre (the care-plan search).
    let exchange: any HTTPExchange
    let endpoint: EndpointConfiguration
    /// What the parked-item fingerprint must cover besides the endpoint: the client identity, never a secret.
    let credentialsIdentity: String

    static func make(
        _ forwarding: GatewayConfiguration.Forwarding, technicalAlerts: TechnicalAlerts, logger: Logger
    ) throws(StartupError) -> CentreConnection {
        let token = try forwarding.bearerTokenFile.map { path throws(StartupError) in
            do { return try BearerToken(try readSecretFile(path, what: "bearer token")) } catch let error as ForwardingError {
                throw StartupError("bearer token", error.description)
            } catch let error as StartupError { throw error } catch { throw StartupError("bearer token", "\(error)") }
        }
        let endpoint: EndpointConfiguration
        let curl: CurlTransport
        do {
            endpoint = try EndpointConfiguration(
                url: forwarding.endpoint,
                tls: TLSOptions(caFile: forwarding.caFile, clientCertificate: forwarding.clientCertificate, clientKey: forwarding.clientKey),
                bearerToken: token, requestTimeout: forwarding.requestTimeout)
            curl = try CurlTransport(endpoint: endpoint)
        } catch { throw StartupError("forwarding", "\(error)") }
        guard let authentication = forwarding.authentication else {
            return CentreConnection(
                transport: curl, exchange: StaticCredentialExchange(curl), endpoint: endpoint, credentialsIdentity: "")
        }
        let settings = try settings(authentication, requestTimeout: forwarding.requestTimeout)
        let tokenService: CurlTransport
        do { tokenService = try CurlTransport(endpoint: settings.tokenEndpoint) } catch {
            throw StartupError("centre authentication", error.description)
        }
        let authorizer = CentreAuthorizer(settings: settings, tokenService: tokenService) { problem in
            if let problem {
                technicalAlerts.raise(
                    .centreAuthenticationFailing, "cannot authenticate to the centre: \(problem)", updatingReason: true)
            } else {
                technicalAlerts.clear(.centreAuthenticationFailing)
            }
        }
        logger.info("the centre is reached with access tokens", metadata: ["authentication": "\(settings)"])
        let authorized = AuthorizedExchange(exchange: curl, fhirBase: endpoint.url, authorizer: authorizer)
        return CentreConnection(
            transport: authorized, exchange: authorized, endpoint: endpoint, credentialsIdentity: settings.identityText)
    }

    static func settings(
        _ authentication: GatewayConfiguration.Authentication, requestTimeout: Duration
    ) throws(StartupError) -> CentreAuthSettings {
        let keyText = try readSecretFile(authentication.keyFile, what: "client key")
        do {
            let key = try JOSESigningKey.parse(
                keyText, algorithm: authentication.algorithm.flatMap(JWSAlgorithm.init(rawValue:)), keyID: authentication.keyID)
            let tokenEndpoint = try EndpointConfiguration(
                url: authentication.tokenEndpoint, tls: TLSOptions(caFile: authentication.caFile), requestTimeout: requestTimeout)
            return try CentreAuthSettings(
                tokenEndpoint: tokenEndpoint, clientID: authentication.clientID, audience: authentication.audience,
                scopes: authentication.scopes, key: key, dpop: authentication.dpop)
        } catch let error as CentreAuthError {
            throw StartupError("client key", "\(authentication.keyFile): \(error.description)")
        } catch {
            throw StartupError("centre authentication", "\(error)")
        }
    }

    /// A secret from a file; a file readable by others than its owner and group is refused, because the secret
    /// lets anyone post health data as this hub.
    static func readSecretFile(_ path: String, what: String) throws(StartupError) -> String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let mode = attributes?[.posixPermissions] as? Int, mode & 0o007 != 0 {
            throw StartupError(what, "\(path) is readable by other users (mode \(String(mode, radix: 8))); chmod 0640 or stricter")
        }
        guard let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines)
        else { throw StartupError(what, "\(path) cannot be read") }
        return text
    }
}
