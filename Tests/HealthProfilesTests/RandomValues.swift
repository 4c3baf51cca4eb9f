@testable import HealthProfiles
import SeededRandom

/// Generators for property-style round-trip tests: random but always valid typed values.
enum RandomValues {
    /// Any SFLOAT bit pattern (all 65,536 decode to something encodable).
    static func sfloat(_ rng: inout SeededGenerator) -> MedicalFloat {
        MedicalFloat(sfloatBits: UInt16.random(in: 0...UInt16.max, using: &rng))
    }

    static func float(_ rng: inout SeededGenerator) -> MedicalFloat {
        MedicalFloat(floatBits: UInt32.random(in: 0...UInt32.max, using: &rng))
    }

    static func date(_ rng: inout SeededGenerator) -> DeviceDateTime {
        let year = Bool.random(using: &rng) ? Int.random(in: 1582...9999, using: &rng) : nil
        let month = Int.random(in: 0...12, using: &rng)
        let limit = month == 0 ? 31 : DeviceDateTime.daysIn(month: month, year: year)
        let day = Int.random(in: 0...limit, using: &rng)
        return try! DeviceDateTime(
            year: year, month: month == 0 ? nil : month, day: day == 0 ? nil : day,
            hours: Int.random(in: 0...23, using: &rng), minutes: Int.random(in: 0...59, using: &rng),
            seconds: Int.random(in: 0...59, using: &rng))
    }

    static func optionalDate(_ rng: inout SeededGenerator) -> DeviceDateTime? {
        Bool.random(using: &rng) ? date(&rng) : nil
    }

    static func optional<T>(_ rng: inout SeededGenerator, _ make: (inout SeededGenerator) -> T) -> T? {
        Bool.random(using: &rng) ? make(&rng) : nil
    }

    static func uint16(_ rng: inout SeededGenerator) -> UInt16 { UInt16.random(in: 0...UInt16.max, using: &rng) }
}
