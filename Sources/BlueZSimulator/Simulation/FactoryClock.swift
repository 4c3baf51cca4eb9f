import HealthProfiles

/// A device whose clock was never set stamps its measurements from its factory epoch (the year 2000), as A&D
/// cuffs and scales do until Date Time is written before subscribing (`quirks.dateTimeBeforeSubscribing`), and as
/// the simulator's Contour Next One does on a link where its clock was not written (`quirks.ascensiaClock`).
enum FactoryClock {
    static let year: UInt16 = 2000

    /// `frame` with the year of its time stamp set to 2000 (month, day and time kept), for the measurements
    /// that carry one: Blood Pressure Measurement (0x2A35, stamp after the three pressures) and Weight
    /// Measurement (0x2A9D, stamp after the weight), Glucose Measurement (0x2A18, Base Time after the sequence number). Other frames, and frames without a stamp, are unchanged.
    static func restamped(_ frame: [UInt8], on characteristic: BluetoothUUID) -> [UInt8] {
        let stampOffset: Int
        switch characteristic {
        case GATTCharacteristic.bloodPressureMeasurement.uuid: stampOffset = 7
        case GATTCharacteristic.weightMeasurement.uuid: stampOffset = 3
        case GATTCharacteristic.glucoseMeasurement.uuid: stampOffset = 3   // after flags and sequence number
        default: return frame
        }
        let alwaysStamped = characteristic == GATTCharacteristic.glucoseMeasurement.uuid   // Base Time is mandatory
        guard let flags = frame.first, alwaysStamped || flags & 0x02 != 0, frame.count >= stampOffset + 7 else { return frame }
        var stamped = frame
        stamped[stampOffset] = UInt8(truncatingIfNeeded: year)
        stamped[stampOffset + 1] = UInt8(truncatingIfNeeded: year >> 8)
        return stamped
    }
}
