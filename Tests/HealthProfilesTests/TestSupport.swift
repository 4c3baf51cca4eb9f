import Testing
@testable import HealthProfiles

/// Parses "1E 8A 00" or "1E8A00" into bytes; test vectors are written the way frames appear in logs.
func hex(_ text: String) -> [UInt8] {
    let digits = text.filter { !$0.isWhitespace }
    precondition(digits.count % 2 == 0, "odd hex in test vector")
    var bytes: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        bytes.append(UInt8(digits[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

func date(_ year: Int?, _ month: Int?, _ day: Int?, _ hours: Int, _ minutes: Int, _ seconds: Int) -> DeviceDateTime {
    try! DeviceDateTime(year: year, month: month, day: day, hours: hours, minutes: minutes, seconds: seconds)
}

func sfloat(_ mantissa: Int64, _ exponent: Int = 0) -> MedicalFloat {
    .finite(DecimalNumber(mantissa: mantissa, exponent: exponent))
}

func decimal(_ text: String) -> DecimalNumber { DecimalNumber(text)! }

/// Decodes `frame` with the dispatcher and returns the thrown error (nil if it decoded).
func decodeError(_ characteristic: GATTCharacteristic, _ frame: [UInt8]) -> DecodeError? {
    do {
        _ = try CharacteristicDecoder.decode(characteristic, frame)
        return nil
    } catch {
        return error
    }
}

/// Cuts `frame` after every byte and checks that each prefix fails with `truncated` at the field the
/// specification has at that offset (`fields[i]` for a frame cut to `i` bytes).
func expectTruncation(
    _ characteristic: GATTCharacteristic, _ frame: [UInt8], fields: [String], sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(fields.count == frame.count, "one expected field per byte", sourceLocation: sourceLocation)
    for (length, field) in zip(0..<frame.count, fields) {
        let error = decodeError(characteristic, Array(frame.prefix(length)))
        guard case let .truncated(name, actualField, _, _) = error else {
            Issue.record("cut at \(length): expected truncated(\(field)), got \(String(describing: error))", sourceLocation: sourceLocation)
            continue
        }
        #expect(name == characteristic.displayName, sourceLocation: sourceLocation)
        #expect(actualField == field, "cut at \(length) bytes", sourceLocation: sourceLocation)
    }
}

/// Checks the byte-level round trip: the frame decodes, and the decoded value encodes to the same bytes.
func expectByteRoundTrip(_ characteristic: GATTCharacteristic, _ frame: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        let value = try CharacteristicDecoder.decode(characteristic, frame)
        #expect(try value.encoded() == frame, sourceLocation: sourceLocation)
    } catch {
        Issue.record("\(error)", sourceLocation: sourceLocation)
    }
}
