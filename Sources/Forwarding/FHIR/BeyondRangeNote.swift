import HealthProfiles

/// The note a nurse reads on an Observation whose value the meter could not quantify (LO / HI): the value is sent as
/// the IG's dataAbsentReason, so only this text says which bound it lies beyond — never −∞ nor a made-up number.
enum BeyondRangeNote {
    /// "Glucose below the meter's measuring range (LO, under 20 mg/dL)." per such component; empty for none.
    static func texts(_ reading: Reading) -> [String] {
        reading.components.compactMap { component in
            guard case let .beyondRange(side) = component.value else { return nil }
            let range = MeasuringRange.stated(on: reading, for: component.vital)
            let bound = range.map { ", \(side == .below ? "under" : "over") \($0.limit(side).description) \($0.unit.display)" } ?? ""
            let name = component.vital.rawValue.prefix(1).uppercased() + component.vital.rawValue.dropFirst()
            return "\(name) \(side == .below ? "below" : "above") the meter's measuring range (\(side.displayCode)\(bound))."
        }
    }
}
