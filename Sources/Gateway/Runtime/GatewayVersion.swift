/// The gateway's software version, reported in the gateway's FHIR Device and by `dhoctl status`.
public enum GatewayVersion {
    public static let current = "0.1.0"
}
