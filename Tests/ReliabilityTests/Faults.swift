import Testing

// The end-to-end fault tests each drive a whole gateway (bus, simulator, receiver, daemon). They run in two
// lanes, each one test at a time: on a 2-core machine more at once mostly measure each other, and a fault test
// that times out because its neighbours starved it proves nothing. Two lanes, not one, because a fault test
// mostly waits (for a daemon to start, a device to reconnect, a back-off to run out), so a second one beside it
// costs little, and one lane alone was the whole suite's critical path (≈ 430 s of a 440 s run).
// The lanes are split by what the fault is about and balanced by their measured durations (≈ 250 s each on a
// quiet machine); put a new fault test in the lane its subject belongs to.

/// Faults in storage, forwarding, the centre, the daemon's own life (kill -9, shutdown, configuration).
@Suite(.serialized) enum Faults {}

/// Faults on the devices' side: connections, vendor quirks, lent devices, memory and numbering, users, clocks.
@Suite(.serialized) enum DeviceFaults {}
