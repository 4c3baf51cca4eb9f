import HealthProfiles

/// What the Bluetooth SIG service specifications allow, used to validate profile files: which service a
/// characteristic belongs to and which access modes its properties support.
enum CharacteristicRules {
    /// The health services a profile file may describe.
    static let profileServices: Set<GATTService> = [
        .bloodPressure, .pulseOximeter, .glucose, .weightScale, .bodyComposition, .healthThermometer,
    ]

    /// From each characteristic's own declaration (`GATTCharacteristic.services`).
    static func characteristics(of service: GATTService) -> Set<GATTCharacteristic> {
        Set(GATTCharacteristic.allCases.filter { $0.services.contains(service) })
    }

    /// From the characteristic's own declaration (`GATTCharacteristic.access`), in `AccessMode` order.
    static func allowedModes(of characteristic: GATTCharacteristic) -> [AccessMode] {
        let modes: [(CharacteristicAccess, AccessMode)] = [
            (.read, .read), (.notify, .notify), (.indicate, .indicate), (.write, .write), (.controlPoint, .controlPoint),
        ]
        return modes.filter { characteristic.access.contains($0.0) }.map(\.1)
    }
}
