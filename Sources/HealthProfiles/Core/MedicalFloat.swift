/// An IEEE-11073-20601 SFLOAT (16-bit) or FLOAT (32-bit) value as sent by a health device.
///
/// Both types are `mantissa × 10^exponent` with two's-complement mantissa and exponent (the exponent is
/// *not* biased: 0x700A is 10 × 10⁷ = 1.0e8). Special mantissa values at exponent 0 carry device states
/// rather than numbers; a NaN in a measurement is a device error and must never be treated as a value.
public enum MedicalFloat: Sendable, Hashable, Codable, CustomStringConvertible {
    case finite(DecimalNumber)
    /// Not a Number: the device could not produce a value (error frame).
    case notANumber
    /// Not at this Resolution: the value cannot be represented with the available precision.
    case notAtThisResolution
    case positiveInfinity
    case negativeInfinity
    /// The special value reserved for future use by the standard.
    case reservedForFutureUse

    /// Decodes a 16-bit SFLOAT: 4-bit signed exponent (high nibble), 12-bit signed mantissa.
    public init(sfloatBits raw: UInt16) {
        switch raw {
        case 0x07FF: self = .notANumber
        case 0x0800: self = .notAtThisResolution
        case 0x07FE: self = .positiveInfinity
        case 0x0802: self = .negativeInfinity
        case 0x0801: self = .reservedForFutureUse
        default:
            var mantissa = Int64(raw & 0x0FFF)
            if mantissa >= 0x0800 { mantissa -= 0x1000 }
            var exponent = Int(raw >> 12)
            if exponent >= 0x8 { exponent -= 0x10 }
            self = .finite(DecimalNumber(mantissa: mantissa, exponent: exponent))
        }
    }

    /// Decodes a 32-bit FLOAT: 8-bit signed exponent (high byte), 24-bit signed mantissa.
    public init(floatBits raw: UInt32) {
        switch raw {
        case 0x007F_FFFF: self = .notANumber
        case 0x0080_0000: self = .notAtThisResolution
        case 0x007F_FFFE: self = .positiveInfinity
        case 0x0080_0002: self = .negativeInfinity
        case 0x0080_0001: self = .reservedForFutureUse
        default:
            var mantissa = Int64(raw & 0x00FF_FFFF)
            if mantissa >= 0x0080_0000 { mantissa -= 0x0100_0000 }
            let exponent = Int(Int8(bitPattern: UInt8(raw >> 24)))
            self = .finite(DecimalNumber(mantissa: mantissa, exponent: exponent))
        }
    }

    /// The number, or nil for every special value.
    public var number: DecimalNumber? {
        if case let .finite(value) = self { return value }
        return nil
    }

    public var doubleValue: Double? { number?.doubleValue }

    /// The reason the value is absent, or nil when it is a finite number.
    public var absentReason: AbsentReason? {
        switch self {
        case .finite: return nil
        case .notANumber: return .notANumber
        case .notAtThisResolution: return .error
        case .positiveInfinity: return .positiveInfinity
        case .negativeInfinity: return .negativeInfinity
        case .reservedForFutureUse: return .error
        }
    }

    public var description: String {
        switch self {
        case let .finite(value): return value.description
        case .notANumber: return "NaN"
        case .notAtThisResolution: return "NRes"
        case .positiveInfinity: return "+INF"
        case .negativeInfinity: return "-INF"
        case .reservedForFutureUse: return "reserved"
        }
    }

    /// Encodes back to SFLOAT bits; nil when the number does not fit 12-bit mantissa / 4-bit exponent.
    /// Used by the simulator and tests to build device frames.
    public var sfloatBits: UInt16? {
        switch self {
        case .notANumber: return 0x07FF
        case .notAtThisResolution: return 0x0800
        case .positiveInfinity: return 0x07FE
        case .negativeInfinity: return 0x0802
        case .reservedForFutureUse: return 0x0801
        case let .finite(value):
            guard (-2048...2047).contains(value.mantissa), (-8...7).contains(value.exponent) else { return nil }
            let bits = UInt16(UInt16(truncatingIfNeeded: value.exponent) & 0xF) << 12
                | UInt16(truncatingIfNeeded: value.mantissa) & 0x0FFF
            // Finite values must not collide with the special encodings (exponent 0, mantissa 0x7FE...0x802).
            return MedicalFloat(sfloatBits: bits) == self ? bits : nil
        }
    }

    /// Encodes back to FLOAT bits; nil when the number does not fit 24-bit mantissa / 8-bit exponent.
    public var floatBits: UInt32? {
        switch self {
        case .notANumber: return 0x007F_FFFF
        case .notAtThisResolution: return 0x0080_0000
        case .positiveInfinity: return 0x007F_FFFE
        case .negativeInfinity: return 0x0080_0002
        case .reservedForFutureUse: return 0x0080_0001
        case let .finite(value):
            guard (-0x80_0000...0x7F_FFFF).contains(value.mantissa), (-128...127).contains(value.exponent) else {
                return nil
            }
            let bits = UInt32(UInt8(bitPattern: Int8(value.exponent))) << 24
                | UInt32(truncatingIfNeeded: value.mantissa) & 0x00FF_FFFF
            return MedicalFloat(floatBits: bits) == self ? bits : nil
        }
    }
}
