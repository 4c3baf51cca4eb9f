import BlueZ
import BlueZSimulator
import DBus
import HealthProfiles
import Synchronization
import TestSupport

/// A simulated bluetoothd plus a BlueZ client on its bus; every test starts its own.
struct Fixture {
    let bluetooth: SimulatedBluetooth
    let client: BlueZClient

    static func start(_ scenario: String, mode: SimulatedBluetooth.Mode = .inProcess) async throws -> Fixture {
        let bluetooth = try await SimulatedBluetooth.start(scenario: scenario, mode: mode)
        return Fixture(bluetooth: bluetooth, client: try await bluetooth.makeClient())
    }

    var control: SimulatorClient { bluetooth.control }

    func adapter() async throws -> Adapter {
        try await client.waitForAdapter(timeout: .seconds(10))
    }

    /// Discovers `address` (starting discovery) and returns its device.
    func discover(_ address: BluetoothAddress) async throws -> Device {
        let adapter = try await adapter()
        try await adapter.startDiscovery()
        return try await adapter.waitForDevice(address, timeout: .seconds(10))
    }

    func stop() async {
        await client.close()
        await bluetooth.stop()
    }
}

enum Addresses {
    static let cuff = BluetoothAddress("A0:9E:1A:00:00:01")!
    static let oximeter = BluetoothAddress("00:A0:50:00:00:02")!
    static let glucometer = BluetoothAddress("C4:AD:34:00:00:03")!
    static let scale = BluetoothAddress("5C:31:3E:00:00:04")!
    static let away = BluetoothAddress("A0:9E:1A:00:00:06")!
}

enum Frames {
    /// The shared README's example: 138/88 mmHg, MAP 120, 17 Apr 20:41:59, pulse 60, user 1, status 0x0027.
    static let bloodPressure: [UInt8] = [0x1E, 0x8A, 0x00, 0x58, 0x00, 0x78, 0x00, 0x00, 0x00, 0x04, 0x11, 0x14, 0x29,
                                         0x3B, 0x3C, 0x00, 0x01, 0x27, 0x00]
    /// A real cuff's error frame: every value NaN.
    static let cuffError: [UInt8] = [0x16, 0xFF, 0x07, 0xFF, 0x07, 0xFF, 0x07, 0xE8, 0x07, 0x06, 0x17, 0x0E, 0x23, 0x0A,
                                     0xFF, 0x07, 0x00, 0x00]
    static let glucose1: [UInt8] = [0x03, 0x01, 0x00, 0xE8, 0x07, 0x04, 0x11, 0x08, 0x1E, 0x00, 0x00, 0x00, 0x5A, 0xB0, 0x11]
    static let glucose2: [UInt8] = [0x03, 0x02, 0x00, 0xE8, 0x07, 0x04, 0x12, 0x08, 0x1E, 0x00, 0x00, 0x00, 0x64, 0xB0, 0x11]
    static let malformedGlucose: [UInt8] = [0x0B]
}

enum Scenarios {
    static let fastTiming = """
    timing:
      connectDelayMs: 5
      resolveDelayMs: 5
      gattExportDelayMs: 60
      connectFailureDelayMs: 10
      abortDisconnectDelayMs: 15
      notificationIntervalMs: 5
      disconnectAfterLastMs: 40
      agentTimeoutMs: 10000
    """

    static func cuff(gattExport: String = "delayed", connectFailures: Int = 0, extra: String = "") -> String {
        """
        \(fastTiming)
        devices:
          - address: "5C:31:3E:00:00:04"
            name: "UC-352BLE"
            advertisedServices: ["181D"]
          - address: "A0:9E:1A:00:00:01"
            name: "UA-651BLE"
            rssi: -58
            advertisedServices: ["1810"]
            serviceData: {"1810": "01"}
            manufacturerData: {"0x0157": "0102"}
            battery: 80
            connectFailures: \(connectFailures)
            gattExport: \(gattExport)
            deviceInformation: {manufacturer: "A&D Medical", model: "UA-651BLE", serial: "5150123456", firmware: "1.2.0"}
            services:
              - uuid: "1810"
                characteristics:
                  - uuid: "2A35"
                    flags: [indicate]
                    stored:
                      - "1E 8A 00 58 00 78 00 00 00 04 11 14 29 3B 3C 00 01 27 00"
                      - "16 FF 07 FF 07 FF 07 E8 07 06 17 0E 23 0A FF 07 00 00"
                    disconnectAfterStored: true
              - uuid: "1805"
                characteristics:
                  - uuid: "2A2B"
                    flags: [read, write]
                    value: "E8 07 04 11 14 29 3B 03 00 00"
          - address: "A0:9E:1A:00:00:06"
            name: "UA-651BLE (away)"
            paired: true
            inRange: false
            advertisedServices: ["1810"]
        \(extra)
        """
    }

    static func glucometer(paired: Bool = false, onInsufficientAuthentication: String = "reject",
                           method: String = "passkeyEntry") -> String {
        """
        \(fastTiming)
        devices:
          - address: "C4:AD:34:00:00:03"
            name: "ContourNext"
            advertisedServices: ["1808"]
            paired: \(paired)
            gattExport: immediate
            pairing:
              method: \(method)
              passkey: 123456
              requiredForServices: ["1808"]
              onInsufficientAuthentication: \(onInsufficientAuthentication)
            glucoseRecords:
              - "03 01 00 E8 07 04 11 08 1E 00 00 00 5A B0 11"
              - "03 02 00 E8 07 04 12 08 1E 00 00 00 64 B0 11"
              - {sequence: 3, frame: "0B"}
        """
    }

    static let oximeter = """
    \(fastTiming)
    devices:
      - address: "00:A0:50:00:00:02"
        name: "Nonin3230"
        paired: true
        gattExport: immediate
        services:
          - uuid: "1822"
            characteristics:
              - uuid: "2A5F"
                flags: [notify]
                stream:
                  intervalMs: 10
                  repeat: true
                  frames: ["00 61 00 48 00", "00 60 00 49 00", "00 62 00 47 00"]
    """
}

/// A pairing agent that answers with a fixed passkey (or rejects) and records what it was asked.
final class TestAgent: PairingAgent {
    let passkey: UInt32?
    private let calls = Mutex<[String]>([])

    init(passkey: UInt32?) {
        self.passkey = passkey
    }

    var log: [String] { calls.withLock { $0 } }

    func requestPasskey(for device: ObjectPath) async throws(AgentError) -> UInt32 {
        calls.withLock { $0.append("RequestPasskey \(device)") }
        guard let passkey else { throw .rejected }
        return passkey
    }

    func requestConfirmation(of passkey: UInt32, for device: ObjectPath) async throws(AgentError) {
        calls.withLock { $0.append("RequestConfirmation \(passkey) \(device)") }
        guard self.passkey == passkey else { throw .rejected }
    }

    func cancel() async {
        calls.withLock { $0.append("Cancel") }
    }
}

/// An agent whose passkey prompt stays open until bluetoothd cancels it, like a technician who never
/// types; it reports when it was asked and when it was cancelled.
final class UnansweredAgent: PairingAgent {
    let asked: AsyncStream<Void>
    let cancelled: AsyncStream<Void>
    private let askedContinuation: AsyncStream<Void>.Continuation
    private let cancelledContinuation: AsyncStream<Void>.Continuation

    init() {
        (asked, askedContinuation) = AsyncStream.makeStream(of: Void.self)
        (cancelled, cancelledContinuation) = AsyncStream.makeStream(of: Void.self)
    }

    func requestPasskey(for device: ObjectPath) async throws(AgentError) -> UInt32 {
        askedContinuation.yield()
        let (never, _) = AsyncStream.makeStream(of: Void.self)
        for await _ in never {}  // ends only when the request task is cancelled
        throw .canceled
    }

    func cancel() async {
        cancelledContinuation.yield()
    }
}

extension GATTCharacteristic {
    static let bpm = GATTCharacteristic.bloodPressureMeasurement.uuid
}
