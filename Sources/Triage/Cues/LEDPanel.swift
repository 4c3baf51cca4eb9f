import Foundation

/// The hub's LEDs through the kernel's LED class (`<root>/<name>/brightness`): one lit zone colour at a time,
/// and a receipt LED lit briefly after each stored reading.
struct LEDPanel: Sendable {
    let lights: PatientCueSettings.Lights

    /// Lights the colour of `zone` and darkens the other two.
    func show(_ zone: Zone) throws {
        let colours: [(Zone, String?)] = [(.green, lights.green), (.yellow, lights.yellow), (.red, lights.red)]
        // Darken first: never two colours lit at once, not even for a moment.
        for (colour, name) in colours where colour != zone { try set(name, on: false) }
        try set(colours.first { $0.0 == zone }?.1, on: true)
    }

    func setReceipt(on: Bool) throws {
        try set(lights.receipt, on: on)
    }

    private func set(_ name: String?, on: Bool) throws {
        guard let name else { return }
        let directory = URL(fileURLWithPath: lights.sysfsRoot).appendingPathComponent(name)
        // A LED's full brightness is its max_brightness (1 for a GPIO LED, 255 for many others).
        let maximum = (try? String(contentsOf: directory.appendingPathComponent("max_brightness"), encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 1
        let handle: FileHandle
        do {
            // Not atomic: sysfs attributes must be written in place.
            handle = try FileHandle(forWritingTo: directory.appendingPathComponent("brightness"))
        } catch {
            throw LEDError(message: "LED \(name) cannot be set: \(directory.path)/brightness cannot be opened")
        }
        defer { try? handle.close() }
        do {
            // A fake tree needs the old value gone; the kernel's attribute ignores it.
            try? handle.truncate(atOffset: 0)
            try handle.write(contentsOf: Data("\(on ? max(maximum, 1) : 0)\n".utf8))
        } catch {
            throw LEDError(message: "LED \(name) cannot be set: \(error.localizedDescription)")
        }
    }
}

struct LEDError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
