import Testing

// The end-to-end fault tests each drive a whole gateway (bus, simulator, receiver, daemon). They run in eight
// lanes, each one test at a time: a fault test mostly waits (for a daemon to start, a device to reconnect, a
// back-off to run out), so lanes side by side cost little CPU (the whole suite used about 1.2 of the 2 cores with
// four lanes, whose longest, ≈ 200 s, was the suite's critical path). Not one lane per test: on a 2-core machine
// many at once mostly measure each other, and a fault test that times out because its neighbours starved it
// proves nothing. The lanes are split by what the fault is about and balanced by their measured durations (≈ 70–110 s
// of tests each in a full run on this machine); put a new fault test in the lane its subject belongs to.
// A test that waits for the gateway to act must wait for that action itself, not for a state that was already
// true before it: with more lanes, a process the test started (dhoctl) may not have acted yet when it first looks.

/// Faults in storage: disk full, the storage reserve, lost bookkeeping, retention, triage failing in a commit.
@Suite(.serialized) enum Faults {}

/// Faults in forwarding: receiver outages and hostile answers, parked items, urgent items behind a back-off.
@Suite(.serialized) enum ForwardingFaults {}

/// The daemon's own life: kill -9, shutdown, broken configuration, patient reset.
@Suite(.serialized) enum DaemonFaults {}

/// The centre: its plans, authentication, the hub's check-ins and technical Flags.
@Suite(.serialized) enum CentreFaults {}

/// Faults on the link: connections and their quirks, Bluetooth outages, floods, repeated indications.
@Suite(.serialized) enum DeviceFaults {}

/// Models and devices: vendor behaviour, lent devices, broadcasts, the device inventory.
@Suite(.serialized) enum DeviceModelFaults {}

/// What devices send and keep: their memory and numbering, users, clocks, patient cues.
@Suite(.serialized) enum DeviceDataFaults {}

/// Values: beyond the measuring range, implausible, continuous oximetry's settling.
@Suite(.serialized) enum MeasurementFaults {}
