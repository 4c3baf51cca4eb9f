/// The traffic-light zone. Ordered by severity, so the zone of a reading is the `max` of its rules' zones.
public enum Zone: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case green
    case yellow
    case red

    var severity: Int {
        switch self {
        case .green: return 0
        case .yellow: return 1
        case .red: return 2
        }
    }

    public static func < (lhs: Zone, rhs: Zone) -> Bool { lhs.severity < rhs.severity }
}
