import Testing
@testable import HealthProfiles

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
