import Foundation
import Testing

/// Runs the real `dhoctl` binary, built next to this test bundle, as a technician would.
struct DhoctlRun {
    let status: Int32
    let stdout: String
    let stderr: String

    static func run(_ arguments: [String]) throws -> DhoctlRun {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("dhoctl")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return DhoctlRun(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}

@Suite struct DecodeCommandTests {
    @Test func bloodPressureFrameAsText() throws {
        let result = try DhoctlRun.run(["decode", "2A35", "1E 8A 00 58 00 78 00 00 00 04 11 14 29 3B 3C 00 01 27 00"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Blood Pressure Measurement (0x2A35)"))
        #expect(result.stdout.contains("systolic                138 mmHg"))
        #expect(result.stdout.contains("pulse                   60 bpm"))
        #expect(result.stdout.contains("device time ????-04-17T20:41:59, user 1"))
        #expect(result.stdout.contains("reliable: NO"))
    }

    @Test func errorFrameIsShownAsNoValue() throws {
        let result = try DhoctlRun.run(["decode", "blood-pressure-measurement", "16FF07FF07FF07E80706170E230AFF070000"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("systolic                no value (not-a-number)"))
        #expect(!result.stdout.contains("2047"))
    }

    @Test func jsonOutput() throws {
        let result = try DhoctlRun.run(["decode", "0x2a1c", "--json", "06", "B00E00FE", "DC070C050B321B04"])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["characteristic"] as? String == "temperature-measurement")
        let readings = try #require(object["readings"] as? [[String: Any]])
        let component = try #require((readings.first?["components"] as? [[String: Any]])?.first)
        #expect(component["value"] as? String == "37.60")
        #expect(component["unit"] as? String == "Cel")
        #expect((readings.first?["qualifiers"] as? [String: String])?["temperature-site"] == "finger")
    }

    /// Values that are not measurements keep the exact output they had before each characteristic became a
    /// type of its own (`HealthCharacteristic`): a string, a percentage and an identifier shown as such.
    @Test func deviceInformationValuesKeepTheirOutput() throws {
        #expect(try DhoctlRun.run(["decode", "2A29", "4F 4D 52 4F 4E 00"]).stdout == """
            Manufacturer Name String (0x2A29)
              value:
                item 0: Manufacturer Name String (0x2A29)
                item 1: "OMRON"

            """)
        #expect(try DhoctlRun.run(["decode", "battery-level", "57"]).stdout == "Battery Level (0x2A19)\n  value:\n    87\n")
        #expect(try DhoctlRun.run(["decode", "2A23", "71 10 00 FE FF 5F 49 B0"]).stdout.hasSuffix("value:\n    B0-49-5F-FF-FE-00-10-71\n"))
        for (characteristic, hex, value) in [("2A29", "4F4D524F4E", "\"OMRON\""), ("2A19", "57", "87"), ("2A23", "711000FEFF5F49B0", "\"B0-49-5F-FF-FE-00-10-71\"")] {
            let json = try DhoctlRun.run(["decode", "--json", characteristic, hex]).stdout
            #expect(json.contains("\"value\" : \(value)\n"), "\(characteristic): \(json)")
        }
    }

    @Test func badInputExitsNonZeroWithAClearMessage() throws {
        let badHex = try DhoctlRun.run(["decode", "2A35", "1E 8A 0"])
        #expect(badHex.status == 64)
        #expect(badHex.stderr.contains("is not hex bytes"))
        let unknown = try DhoctlRun.run(["decode", "2AFF", "00"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("unknown characteristic '2AFF'"))
        let truncated = try DhoctlRun.run(["decode", "2A35", "1E 8A"])
        #expect(truncated.status == 65)
        #expect(truncated.stderr.contains("payload truncated at Compound Value.Systolic"))
        #expect(truncated.stdout.isEmpty)
        let badDate = try DhoctlRun.run(["decode", "date-time", "E807 02 1E 00 00 00"])
        #expect(badDate.status == 65)
        #expect(badDate.stderr.contains("Date Time.Day = 30 is out of range"))
    }
}
