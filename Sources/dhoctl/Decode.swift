import ArgumentParser
import Foundation
import HealthProfiles

/// `dhoctl decode 2A35 "1E 8A 00 ..."`: decodes one characteristic value with the gateway's own codecs.
struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode a characteristic value as a device sends it.",
        discussion: """
            CHARACTERISTIC is the 16-bit UUID (2A35, 0x2A35) or a name such as blood-pressure-measurement.
            HEX is the value, with or without spaces. Exit status: 0 decoded, 64 bad arguments, 65 the value
            does not decode (the message says which field and why).

            Known characteristics: \(GATTCharacteristic.allCases.map(\.slug).sorted().joined(separator: ", ")).
            """)

    @Argument(help: "Characteristic UUID (2A35, 0x2A35) or name (blood-pressure-measurement).")
    var characteristic: String

    @Argument(help: "Value in hex, e.g. \"1E 8A 00 58 00 78 00\" or 1E8A005800.")
    var hex: [String]

    @Flag(help: "Print the decoded value and its readings as JSON.")
    var json = false

    func validate() throws {
        guard GATTCharacteristic(identifier: characteristic) != nil else {
            throw ValidationError("unknown characteristic '\(characteristic)' (try 2A35 or blood-pressure-measurement)")
        }
        guard HexInput.bytes(hex) != nil else {
            throw ValidationError("'\(hex.joined(separator: " "))' is not hex bytes (two hex digits per byte)")
        }
    }

    func run() throws {
        // validate() has checked both; a failure here would be a bug, reported rather than trapped.
        guard let target = GATTCharacteristic(identifier: characteristic), let bytes = HexInput.bytes(hex) else {
            throw ExitCode.validationFailure
        }
        let decoded: DecodedCharacteristic
        do {
            decoded = try CharacteristicDecoder.decode(target, bytes)
        } catch {
            FileHandle.standardError.write(Data("dhoctl: cannot decode: \(error)\n".utf8))
            throw ExitCode(65)
        }
        if json {
            print(try DecodedJSON.render(decoded))
        } else {
            print(DecodedText.render(decoded), terminator: "")
        }
    }
}
