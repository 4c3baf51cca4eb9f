import Forwarding
import Foundation

/// The FHIR mapping of this hub, shared by the forwarder (readings) and the reports about the hub itself.
enum GatewayFHIR {
    static func mapper(_ configuration: GatewayConfiguration) throws -> FHIRMapper {
        FHIRMapper(configuration: FHIRMappingConfiguration(
            gateway: GatewayIdentity(
                identifier: configuration.identity.gatewayID, manufacturer: "DHO Gateway", model: "home hub",
                serialNumber: configuration.identity.gatewayID, softwareVersion: GatewayVersion.current),
            patient: try PatientReference(configuration.patient.reference),
            timeZone: TimeZone(identifier: configuration.identity.timeZone) ?? .gmt,
            canonical: configuration.forwarding.canonical))
    }

    /// UTC with seconds: a valid FHIR instant and dateTime.
    static func instant(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle()) }
}
