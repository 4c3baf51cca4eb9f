import Testing

// The end-to-end fault tests each drive a whole gateway (bus, simulator, receiver, daemon). They run in four
// lanes, each one test at a time: a fault test mostly waits (for a daemon to start, a device to reconnect, a
// back-off to run out), so lanes side by side cost little CPU, and with two lanes each was ≈ 250 s on a quiet
// machine, the whole suite's critical path. Not one lane per test: on a 2-core machine many at once mostly measure
// each other, and a fault test that times out because its neighbours starved it proves nothing.
// The lanes are split by what the fault is about; put a new fault test in the lane its subject belongs to.

/// Faults in storage and forwarding: disk full, lost bookkeeping, parked items, retention, receiver outages.
@Suite(.serialized) enum Faults {}

/// The daemon's own life and the centre: kill -9, shutdown, configuration, patient reset, the centre's plans and auth.
@Suite(.serialized) enum DaemonFaults {}

/// Faults on the devices' side: connections, vendor quirks, lent devices, Bluetooth outages, broadcasts.
@Suite(.serialized) enum DeviceFaults {}

/// What devices send and keep: their memory and numbering, users, clocks, values out of range.
@Suite(.serialized) enum DeviceDataFaults {}
