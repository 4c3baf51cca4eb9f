public import HealthProfiles

/// Which kind of rule produced a finding.
public enum RuleKind: String, Sendable, Hashable, Codable {
    case absolute
    case baseline
    case windowChange = "window-change"
    case missingMeasurement = "missing-measurement"
}

/// Which way the value is off: below a bound / dropped (`low`), above a bound / risen (`high`).
public enum FindingDirection: String, Sendable, Hashable, Codable {
    case low
    case high
}

/// One rule that put a value in yellow or red. Green results produce no finding.
public struct RuleFinding: Sendable, Hashable, Codable {
    /// "absolute", "baseline" or the window rule's id.
    public var rule: String
    public var kind: RuleKind
    public var vital: VitalSign
    public var zone: Zone
    public var direction: FindingDirection
    /// Technical one-liner for logs, the hook and the centre, e.g. "spo2 86 % below red bound 88 %".
    /// Contains no patient identifier.
    public var summary: String
}

/// The triage of one vital of a reading.
public struct VitalAssessment: Sendable, Hashable, Codable {
    public var vital: VitalSign
    /// The value in the canonical unit.
    public var value: Double
    public var unit: UCUMUnit
    public var zone: Zone
    public var findings: [RuleFinding]
    /// The habitual value in force when the reading was triaged, if one is established.
    public var baseline: Double?
    /// Set when the device reported the value as beyond its measuring range (LO / HI): `value` is then the bound
    /// it lies beyond, not a measured number.
    public var beyondMeasuringRange: MeasuringRangeSide? = nil
}
