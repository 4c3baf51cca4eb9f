import Testing

// The end-to-end fault tests each drive a whole gateway (bus, simulator, receiver, daemon). They run in four
// lanes, each one test at a time: a fault test mostly waits (for a daemon to start, a device to reconnect, a
// back-off to run out), so lanes side by side cost little CPU, and with two lanes each was ≈ 250 s on a quiet
// machine, the whole suite's critical path. Not one lane per test: on a 2-core machine many at once mostly measure
// each other, and a fault test that times out because its neighbours starved it proves nothing.
// The lanes are split by what the fault is about and balanced by their measured durations (≈ 185–230 s each in
// a run on a loaded machine); put a new fault test in the lane its subject belongs to.
// A test that waits for the gateway to act must wait for that action itself, not for a state that was already
// true before it: with more lanes, a process the test started (dhoctl) may not have acted yet when it first looks.

/// Faults in storage and forwarding: disk full, lost bookkeeping, parked items, retention, receiver outages.
@Suite(.serialized) enum Faults {}

/// The daemon's own life and the centre: kill -9, shutdown, configuration, patient reset, the centre's plans and
/// auth, the hub's technical Flags at the centre.
@Suite(.serialized) enum DaemonFaults {}

/// Faults on the devices' side: connections, vendor quirks, lent devices, Bluetooth outages, broadcasts.
@Suite(.serialized) enum DeviceFaults {}

/// What devices send and keep: their memory and numbering, users, clocks, values out of range.
@Suite(.serialized) enum DeviceDataFaults {}
