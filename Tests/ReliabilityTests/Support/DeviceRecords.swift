import Foundation
import HealthProfiles

/// Well-formed device frames built with the HealthProfiles encoders, so that the records a test makes a
/// simulated device send are exactly what a real device would.
enum DeviceRecords {
    static let home = TimeZone(identifier: "Europe/Oslo")!

    /// The home's wall-clock time `secondsAgo` before now, as a device clock shows it.
    static func deviceTime(secondsAgo: Int, from now: Date = Date()) throws -> DeviceDateTime {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = home
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second],
                                            from: now.addingTimeInterval(-Double(secondsAgo)))
        return try DeviceDateTime(year: parts.year, month: parts.month, day: parts.day,
                                   hours: parts.hour ?? 0, minutes: parts.minute ?? 0, seconds: parts.second ?? 0)
    }

    /// `count` glucose records with sequence numbers `first...`, one every 20 minutes up to an hour ago,
    /// values 4.2–9.9 mmol/L (green in the diabetes template), as Glucose Measurement frames.
    static func glucoseRecords(count: Int, firstSequence: Int = 1, now: Date = Date()) throws -> [[UInt8]] {
        try (0..<count).map { index in
            let sequence = UInt16(firstSequence + index)
            let millimoles = 42 + (index * 7) % 58   // tenths of mmol/L
            let measurement = GlucoseMeasurement(
                sequenceNumber: sequence, baseTime: try deviceTime(secondsAgo: 3600 + (count - index) * 1200, from: now),
                unit: .molePerLitre,
                concentration: .init(value: .finite(DecimalNumber(mantissa: Int64(millimoles), exponent: -4)),
                                     type: .capillaryWholeBlood, location: .finger))
            return try measurement.encoded()
        }
    }

    /// One glucose record (Glucose Measurement frame) of `tenths` tenths of a mmol/L.
    static func glucoseRecord(sequence: UInt16, at time: DeviceDateTime, tenths: Int) throws -> [UInt8] {
        try GlucoseMeasurement(
            sequenceNumber: sequence, baseTime: time, unit: .molePerLitre,
            concentration: .init(value: .finite(DecimalNumber(mantissa: Int64(tenths), exponent: -4)),
                                 type: .capillaryWholeBlood, location: .finger)
        ).encoded()
    }

    /// A cuff's memory: `count` blood-pressure readings with time stamps, one every six hours up to a day ago.
    static func bloodPressureMemory(count: Int, now: Date = Date()) throws -> [[UInt8]] {
        try (0..<count).map { index in
            try bloodPressure(systolic: 118 + index % 20, diastolic: 72 + index % 10, pulse: 58 + index % 15,
                              at: try deviceTime(secondsAgo: 86_400 + (count - index) * 21_600, from: now))
        }
    }

    /// `user`: the cuff's User ID field (0xFF "unknown user"; nil leaves the field out).
    static func bloodPressure(systolic: Int, diastolic: Int, pulse: Int, at time: DeviceDateTime?, user: UInt8? = 1) throws -> [UInt8] {
        try BloodPressureMeasurement(
            unit: .millimetreOfMercury, systolic: .finite(DecimalNumber(systolic)),
            diastolic: .finite(DecimalNumber(diastolic)),
            meanArterialPressure: .finite(DecimalNumber((systolic + 2 * diastolic) / 3)),
            timestamp: time, pulseRate: .finite(DecimalNumber(pulse)), userID: user
        ).encoded()
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02X", $0) }.joined(separator: " ") }
}
