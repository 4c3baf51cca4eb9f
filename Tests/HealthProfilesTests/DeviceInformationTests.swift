import Testing
@testable import HealthProfiles

@Suite struct DeviceInformationTests {
    @Test func strings() throws {
        #expect(try CharacteristicDecoder.decode(.manufacturerNameString, Array("OMRON HEALTHCARE".utf8))
            == DecodedCharacteristic(ManufacturerNameString(text: "OMRON HEALTHCARE")))
        // Trailing NUL padding is not text.
        #expect(try DeviceInformationString.decode(Array("HEM-9200T".utf8) + [0, 0], as: .modelNumberString) == "HEM-9200T")
        #expect(try DeviceInformationString.decode(Array("Blodtrykksmåler".utf8), as: .modelNumberString) == "Blodtrykksmåler")
        #expect(decodeError(.serialNumberString, [0x41, 0xFF, 0x42]) == .invalidValue(
            characteristic: GATTCharacteristic.serialNumberString.displayName, field: "Value", detail: "not valid UTF-8"))
        #expect(decodeError(.serialNumberString, [0x41, 0x00, 0x42]) == .invalidValue(
            characteristic: GATTCharacteristic.serialNumberString.displayName, field: "Value", detail: "embedded NUL byte"))
    }

    /// The PHD IG's example device (HL7 cardx-ig Device phd-bloodpressuremonitor-MS) shows
    /// "SYSID: 71-10-00-FE-FF-5F-49-B0" for BTMAC B0-49-5F-00-10-71, i.e. the System ID bytes in wire order.
    @Test func systemID() throws {
        let frame = hex("71 10 00 FE FF 5F 49 B0")
        let value = try SystemID.decode(frame)
        #expect(value.organizationallyUniqueIdentifier == 0xB0495F)
        #expect(value.manufacturerIdentifier == 0xFFFE001071)
        #expect(value.wireOrderHex == "71-10-00-FE-FF-5F-49-B0")
        #expect(value.description == "B0-49-5F-FF-FE-00-10-71")
        expectByteRoundTrip(.systemID, frame)
        #expect(decodeError(.systemID, Array(frame.prefix(7))) != nil)
    }

    @Test func batteryLevel() throws {
        #expect(try CharacteristicDecoder.decode(.batteryLevel, [87]) == DecodedCharacteristic(BatteryLevel(percent: 87)))
        #expect(decodeError(.batteryLevel, [101]) == .invalidValue(
            characteristic: GATTCharacteristic.batteryLevel.displayName, field: "Battery Level", detail: "101 % exceeds 100 %"))
        #expect(decodeError(.batteryLevel, []) != nil)
        #expect(decodeError(.batteryLevel, [1, 2]) != nil)
    }
}

@Suite struct DispatchTests {
    @Test func identifiersAndNames() {
        #expect(GATTCharacteristic(identifier: "2A35") == .bloodPressureMeasurement)
        #expect(GATTCharacteristic(identifier: "0x2a35") == .bloodPressureMeasurement)
        #expect(GATTCharacteristic(identifier: "00002a35-0000-1000-8000-00805f9b34fb") == .bloodPressureMeasurement)
        #expect(GATTCharacteristic(identifier: "blood-pressure-measurement") == .bloodPressureMeasurement)
        #expect(GATTCharacteristic(identifier: "plx-spot-check-measurement") == .plxSpotCheckMeasurement)
        #expect(GATTCharacteristic(identifier: "2A00") == nil)
        #expect(GATTCharacteristic(identifier: "blood pressure") == nil)
        #expect(Set(GATTCharacteristic.allCases.map(\.slug)).count == GATTCharacteristic.allCases.count)
    }

    @Test func unknownUUIDIsATypedError() {
        #expect(throws: DecodeError.unsupportedCharacteristic(uuid: "00002a00-0000-1000-8000-00805f9b34fb")) {
            try CharacteristicDecoder.decode(uuid: BluetoothUUID(short: 0x2A00), [0])
        }
    }

    /// Empty and one-byte payloads must fail with a typed error for every characteristic, never trap.
    @Test(arguments: GATTCharacteristic.allCases)
    func degeneratePayloadsFailCleanly(characteristic: GATTCharacteristic) {
        for frame in [[], [0xFF], [0x00]] as [[UInt8]] {
            _ = decodeError(characteristic, frame)
        }
        if !DeviceInformationString.stringCharacteristics.contains(characteristic) {
            #expect(decodeError(characteristic, []) != nil)
        }
    }

    @Test func jsonShape() throws {
        let decoded = try CharacteristicDecoder.decode(.batteryLevel, [55])
        #expect(decoded.characteristic == .batteryLevel)
        #expect(decoded.readings.isEmpty)
    }
}
