import Testing
@testable import HealthProfiles
import SeededRandom

@Suite struct MedicalFloatTests {
    @Test func sfloatSpecialValues() {
        #expect(MedicalFloat(sfloatBits: 0x07FF) == .notANumber)
        #expect(MedicalFloat(sfloatBits: 0x0800) == .notAtThisResolution)
        #expect(MedicalFloat(sfloatBits: 0x07FE) == .positiveInfinity)
        #expect(MedicalFloat(sfloatBits: 0x0802) == .negativeInfinity)
        #expect(MedicalFloat(sfloatBits: 0x0801) == .reservedForFutureUse)
    }

    /// The exponent is two's complement, not biased: 0x700A is 10 × 10^7 (see ../shared/README.md).
    @Test func sfloatExponentIsTwosComplement() {
        #expect(MedicalFloat(sfloatBits: 0x700A).doubleValue == 1.0e8)
        #expect(MedicalFloat(sfloatBits: 0xF16F).number == DecimalNumber(mantissa: 367, exponent: -1))
        #expect(MedicalFloat(sfloatBits: 0x0FFF).number == DecimalNumber(mantissa: -1, exponent: 0))
    }

    @Test func floatSpecialValuesAndSign() {
        #expect(MedicalFloat(floatBits: 0x007F_FFFF) == .notANumber)
        #expect(MedicalFloat(floatBits: 0x0080_0000) == .notAtThisResolution)
        #expect(MedicalFloat(floatBits: 0x007F_FFFE) == .positiveInfinity)
        #expect(MedicalFloat(floatBits: 0x0080_0002) == .negativeInfinity)
        #expect(MedicalFloat(floatBits: 0xFF00_016F).number?.description == "36.7")
        #expect(MedicalFloat(floatBits: 0x00FF_FFFF).number?.description == "-1")
    }

    @Test func decimalText() {
        #expect(DecimalNumber(mantissa: 5, exponent: -3).description == "0.005")
        #expect(DecimalNumber(mantissa: -12, exponent: 2).description == "-1200")
        #expect(DecimalNumber("12.50") == DecimalNumber(mantissa: 125, exponent: -1))
        #expect(DecimalNumber("abc") == nil)
    }
}

@Suite struct MedicalFloatCodingTests {
    /// Every one of the 65,536 SFLOAT patterns decodes to a value that encodes back to the same pattern,
    /// so a frame re-encodes byte for byte whatever the device put in it.
    @Test func everySFLOATPatternRoundTrips() {
        for raw in 0...UInt16.max {
            #expect(MedicalFloat(sfloatBits: raw).sfloatBits == raw)
        }
    }

    @Test func floatPatternsRoundTrip() {
        var rng = SeededGenerator(seed: 0xF10A7)
        for _ in 0..<100_000 {
            let raw = UInt32.random(in: 0...UInt32.max, using: &rng)
            #expect(MedicalFloat(floatBits: raw).floatBits == raw)
        }
        for raw: UInt32 in [0x007F_FFFF, 0x0080_0000, 0x007F_FFFE, 0x0080_0001, 0x0080_0002, 0, 0xFFFF_FFFF] {
            #expect(MedicalFloat(floatBits: raw).floatBits == raw)
        }
    }

    @Test func negativeMantissaAndExponentExtremes() {
        #expect(MedicalFloat(sfloatBits: 0x0803) == sfloat(-2045))  // mantissa 0x803 = -2045, exponent 0
        #expect(MedicalFloat(sfloatBits: 0x8001) == sfloat(1, -8))
        #expect(MedicalFloat(sfloatBits: 0x7001) == sfloat(1, 7))
        #expect(MedicalFloat(sfloatBits: 0xF800).number == DecimalNumber(mantissa: -2048, exponent: -1))
        #expect(MedicalFloat(floatBits: 0x8000_0001) == .finite(DecimalNumber(mantissa: 1, exponent: -128)))
    }

    @Test func specialsAreAbsentReasonsNotNumbers() {
        #expect(MeasuredValue(MedicalFloat.notANumber) == .absent(.notANumber))
        #expect(MeasuredValue(MedicalFloat.notAtThisResolution) == .absent(.error))
        #expect(MeasuredValue(MedicalFloat.positiveInfinity) == .absent(.positiveInfinity))
        #expect(MeasuredValue(MedicalFloat.negativeInfinity) == .absent(.negativeInfinity))
        #expect(MeasuredValue(MedicalFloat.reservedForFutureUse) == .absent(.error))
        #expect(MedicalFloat.notANumber.doubleValue == nil)
    }

    @Test func unrepresentableFiniteValues() {
        #expect(sfloat(2046).sfloatBits == nil)  // collides with +INF at exponent 0
        #expect(sfloat(2048).sfloatBits == nil)  // mantissa too wide
        #expect(sfloat(1, 8).sfloatBits == nil)  // exponent too large
        #expect(sfloat(2046, 1).sfloatBits != nil)
    }
}
