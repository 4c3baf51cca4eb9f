import Gateway

/// The `centre:` line of `dhoctl status`: the latest check-in, whether the centre has it, and the last one it has.
enum CheckInText {
    static func line(_ checkIn: CheckInStatus?) -> String {
        guard let checkIn else { return "no check-in yet" }
        let delivered = checkIn.state == "delivered"
        var text = "last check-in \(Terminal.time(checkIn.at)) " + (delivered ? "delivered" : checkIn.state == "parked" ? "PARKED" : "queued")
        if !delivered { text += checkIn.lastDelivered.map { " (the centre last heard from the hub \(Terminal.time($0)))" } ?? " (none delivered yet)" }
        return text
    }
}
