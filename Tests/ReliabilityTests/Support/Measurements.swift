import BlueZ
import HealthProfiles
import Foundation
import GatewayTestSupport

extension GatewayHarness {
    /// Makes a simulated device hold one new measurement and advertise (every half second, as a device with
    /// news does) until the gateway has stored `readings` in total — and, if `delivered`, forwarded them all.
    func measure(_ device: BluetoothAddress, _ characteristic: String, _ frame: [UInt8], expecting readings: Int,
                 delivered: Bool = true) async throws {
        guard let uuid = BluetoothUUID(characteristic) else { throw HarnessError("bad characteristic \(characteristic)") }
        try await simulatorControl.queueFrames(device, uuid, [frame])
        try await waitUntil("reading \(readings) stored" + (delivered ? " and forwarded" : "")) {
            let status = try await self.status()
            let queue = status["queue"] as? [String: Any]
            if status["readingsStored"] as? Int == readings, !delivered || queue?["undelivered"] as? Int == 0 { return true }
            try await self.simulatorControl.advertise(device)
            try await Task.sleep(for: .milliseconds(500))
            return false
        }
    }

    /// The codes of the technical alerts `dhoctl status` shows.
    func technicalAlerts() async throws -> [String] {
        (try await status()["technicalAlerts"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
    }
}
