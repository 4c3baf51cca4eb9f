import BlueZ
import DBus
import HealthProfiles

extension Simulator {
    /// A write to the User Control Point: answered by a `20 <op> <result> [index]` indication; a consent that
    /// matches is followed by that user's stored frames on the measurement characteristic (each sent once).
    func handleUserControlPoint(_ address: BluetoothAddress, _ request: [UInt8]) throws(DBusError) {
        guard let device = devices[address], let config = device.config.userData else { return }
        // The control point's CCCD must be enabled first, as for the RACP: ATT error 0xFD otherwise.
        guard device.isNotifying(UserDataConfig.controlPoint) else {
            throw bluezError(.failed, "Operation failed with ATT error: 0xfd")
        }
        let opCode = request.first ?? 0
        var answer: [UInt8] = [0x20, opCode, 0x02]
        var frames: [[UInt8]] = []
        switch opCode {
        case 0x01 where request.count == 3:
            let consent = UInt16(request[1]) | UInt16(request[2]) << 8
            let index = (device.userDataUsers.map(\.index).max() ?? 0) &+ 1
            if config.registrable, consent <= 9999, !device.userDataUsers.contains(where: { $0.index == index }) {
                devices[address]?.userDataUsers.append(UserDataConfig.User(index: index, consent: consent, stored: []))
                answer = [0x20, 0x01, 0x01, index]
            } else {
                answer = [0x20, 0x01, config.registrable ? 0x03 : 0x04]
            }
        case 0x02 where request.count == 4:
            let consent = UInt16(request[2]) | UInt16(request[3]) << 8
            if let position = device.userDataUsers.firstIndex(where: { $0.index == request[1] }),
               device.userDataUsers[position].consent == consent {
                answer = [0x20, 0x02, 0x01]
                frames = device.userDataUsers[position].stored
                devices[address]?.userDataUsers[position].stored = []
            } else {
                answer = [0x20, 0x02, 0x05]
            }
        case 0x01, 0x02:
            answer = [0x20, opCode, 0x03]
        default:
            break
        }
        let epoch = device.epoch
        Task { [self] in await answerUserControlPoint(address, answer, then: frames, on: config.measurement, epoch: epoch) }
    }

    private func answerUserControlPoint(_ address: BluetoothAddress, _ answer: [UInt8], then frames: [[UInt8]],
                                        on measurement: BluetoothUUID, epoch: Int) async {
        await pause(scenario.timing.notificationIntervalMs)
        guard isLive(address, UserDataConfig.controlPoint, epoch: epoch) else { return }
        notify(address, UserDataConfig.controlPoint, answer)
        for frame in frames {
            await pause(scenario.timing.notificationIntervalMs)
            guard isLive(address, measurement, epoch: epoch) else { return }
            notify(address, measurement, frame)
        }
    }
}
