import BlueZ
import BlueZSimulator
import DBus
import Foundation
import GatewayTestSupport
import HealthProfiles

/// The real daemon (release build, `info` logging as in production) on bluez-sim with the benchmark scenario
/// (profiles/sim/bench.yaml): one pulse oximeter, paired through the real dhoctl, through which the
/// benchmarks send notifications with the simulator's control interface.
struct DaemonFixture {
    static let oximeter = BluetoothAddress("00:A0:50:00:00:B1")!
    static let spotCheck = BluetoothUUID("2A5E")!
    static let continuous = BluetoothUUID("2A5F")!
    /// SpO2 95–99 %, pulse 60–99 /min, no time stamp: green for every care plan, and each Notify is a new reading
    /// (without device time or sequence number the receipt time is part of a reading's identity). The values
    /// cycle through 200 combinations, so that no frame repeats within a second (the gateway would take it for a
    /// repeated delivery of the same indication).
    static func spotCheckFrame(_ index: Int) -> [UInt8] {
        [0x00, UInt8(95 + index % 5), 0x00, UInt8(60 + index / 5 % 40), 0x00]
    }
    /// The same values as a PLX Continuous sample (the gateway keeps one a minute).
    static func continuousFrame(_ index: Int) -> [UInt8] { spotCheckFrame(index) }

    let gateway: GatewayHarness

    static func start() async throws -> DaemonFixture {
        let scenario = GatewayHarness.repository.appendingPathComponent("profiles/sim/bench.yaml").path
        let gateway = try await GatewayHarness.start(scenario: scenario, logLevel: "info", startDaemon: false, strictPHD: false)
        do {
            // The benchmarks load the oximeter far beyond what a real one can send (its profile's rate limit).
            try gateway.editDeviceProfile("pulse-oximeter.yaml") {
                $0.replacingOccurrences(of: "readings_per_minute: 6\n", with: "readings_per_minute: 600\n")
                    .replacingOccurrences(of: "burst: 50\n", with: "burst: 100000\n")
            }
            try await gateway.startDaemon()
        } catch {
            await gateway.stop()
            throw error
        }
        let paired = try await gateway.dhoctl(["pair", oximeter.description, "--by", "technician-bench"])
        guard paired.status == 0 else {
            await gateway.stop()
            throw HarnessError("pairing the oximeter failed: \(paired.stderr)")
        }
        return DaemonFixture(gateway: gateway)
    }

    /// Starts a fixture, runs `body` with it and stops it, also when `body` fails.
    static func with<T>(_ body: (DaemonFixture) async throws -> T) async throws -> T {
        let fixture = try await start()
        do {
            let result = try await body(fixture)
            await fixture.stop()
            return result
        } catch {
            await fixture.stop()
            throw error
        }
    }

    var pid: Int32 {
        get throws {
            guard let pid = gateway.daemonPID else { throw HarnessError("the daemon is not running") }
            return pid
        }
    }

    /// Waits until the oximeter is connected with both measurement characteristics notifying; while it is
    /// not, it advertises once a second (the gateway visits a device when it advertises, at most every 15 s).
    func waitUntilListening(timeout: Duration = .seconds(90)) async throws {
        let deadline = ContinuousClock.now + timeout
        var lastAdvertisement = ContinuousClock.now - .seconds(10)
        while ContinuousClock.now < deadline {
            let state = try await gateway.simulatorControl.deviceState(Self.oximeter)
            if state.connected, state.notifying.contains(Self.spotCheck), state.notifying.contains(Self.continuous) { return }
            if !state.connected, ContinuousClock.now - lastAdvertisement >= .seconds(1) {
                try await gateway.simulatorControl.advertise(Self.oximeter)
                lastAdvertisement = .now
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw HarnessError("the gateway did not connect to the oximeter and subscribe within \(timeout)")
    }

    /// Waits until the gateway has ended its visit (the device fell quiet) and forwarded everything.
    ///
    /// A visit is over when the gateway says so, not when the link is down: right after pairing the oximeter is
    /// disconnected before the first visit has even begun, and the idle window then caught that visit's end (its
    /// first second: 32–40 wake-ups in the tables before issue 16's idle work).
    func waitUntilIdle(timeout: Duration = .seconds(120)) async throws {
        try await gateway.waitUntil("the visit to end and the outbox to empty", timeout: timeout) {
            guard try await !gateway.simulatorControl.deviceState(Self.oximeter).connected else { return false }
            let devices = try await gateway.dhoctlJSON(["devices"]) as? [[String: Any]] ?? []
            let oximeter = devices.first { $0["address"] as? String == Self.oximeter.description }
            guard oximeter?["visiting"] as? Bool == false, oximeter?["lastVisit"] != nil else { return false }
            let status = try await gateway.dhoctlJSON(["status"]) as? [String: Any]
            return (status?["queue"] as? [String: Any])?["undelivered"] as? Int == 0
        }
    }

    /// One notification from the oximeter; false when it is not connected and notifying.
    func notify(_ characteristic: BluetoothUUID, _ frame: [UInt8]) async throws -> Bool {
        do {
            try await gateway.simulatorControl.notify(Self.oximeter, characteristic, frame)
            return true
        } catch let .remote(name, _) where name == SimulatorControl.notPossibleError {
            return false
        }
    }

    func stop() async {
        await gateway.stop()
    }
}
