import BlueZ
import Foundation
import HealthProfiles

/// A family scale (User Data Service, 0x181C) sends a user's measurements only to whoever gives that user's consent
/// code on the connection, through the User Control Point (0x2A9F): "Consent" (0x02, user index, code) on every
/// visit, after the measurements are subscribed to so that nothing it then sends is missed. A patient paired with
/// `--consent CODE` but no user number is first registered as a new user ("Register New User", 0x01, code); the
/// index the device gives is kept as the patient's. The answers are indications `20 <op> <result> [index]`.
extension DeviceVisit {
    static let userDataService = BluetoothUUID(short: 0x181C)
    static let userControlPoint = BluetoothUUID(short: 0x2A9F)

    /// Gives the patient's consent (registering them first when still to do); nothing for other devices.
    func giveConsent() async throws(VisitError) {
        guard let code = device.consentCode, let consent = UInt16(exactly: code) else { return }
        let controlPoint: GattCharacteristicProxy
        do {
            controlPoint = try await bluetoothDevice.characteristic(
                Self.userControlPoint, service: Self.userDataService, timeout: settings.characteristicTimeout)
        } catch {
            throw VisitError("consent", "the device has no User Data Service control point: \(error)")
        }
        if await controlPoint.properties()?.notifying != true {
            do { try await controlPoint.startNotify() } catch .bluez(.inProgress, _) {} catch {
                throw VisitError("consent", "cannot subscribe to the User Control Point: \(error)")
            }
        }
        var index = device.userIndex
        if device.userRegistrationPending || index == nil {
            let answer = try await exchange(controlPoint, [0x01, UInt8(consent & 0xFF), UInt8(consent >> 8)])
            guard answer.count >= 4, answer[2] == 0x01 else {
                throw VisitError("consent", "the device did not register the patient as a new user (\(Self.result(answer)))")
            }
            index = Int(answer[3])
            logger.notice("the patient is registered as user \(answer[3]) of the device", metadata: ["device": "\(device.address)"])
            do {
                if let registered = try await DeviceRegistry(store: store).userRegistered(address: device.address, index: Int(answer[3])) {
                    processor.update(registered)
                }
            } catch {
                throw VisitError("consent", "the patient's user number could not be saved: \(error)")
            }
        }
        guard let index, let user = UInt8(exactly: index) else { return }
        let answer = try await exchange(controlPoint, [0x02, user, UInt8(consent & 0xFF), UInt8(consent >> 8)])
        guard answer.count >= 3, answer[2] == 0x01 else {
            throw VisitError("consent", "the device refused the consent of user \(index) (\(Self.result(answer))): "
                + "the code changed on the device? pair it again with the right --consent")
        }
    }

    /// Writes one request and waits for its response indication (`20 <op> ...`).
    private func exchange(_ controlPoint: GattCharacteristicProxy, _ request: [UInt8]) async throws(VisitError) -> [UInt8] {
        // Subscribed before the write: a fast answer is not missed.
        let updates = await controlPoint.valueUpdates()
        do { try await controlPoint.writeValue(request, type: .request) } catch {
            throw VisitError("consent", "writing the User Control Point failed: \(error)")
        }
        let opCode = request[0]
        let answer = await firstOf({ () async -> [UInt8]? in
            for await value in updates where value.count >= 3 && value[0] == 0x20 && value[1] == opCode { return value }
            return nil
        }, within: settings.controlPointTimeout, else: nil)
        guard let answer else { throw VisitError("consent", "no answer from the User Control Point within \(settings.controlPointTimeout)") }
        return answer
    }

    private static func result(_ answer: [UInt8]) -> String {
        switch answer.count >= 3 ? answer[2] : 0 {
        case 0x02: "op code not supported"
        case 0x03: "invalid parameter"
        case 0x04: "operation failed"
        case 0x05: "user not authorized"
        case let code: String(format: "result 0x%02X", code)
        }
    }
}
