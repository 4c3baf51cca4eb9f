public import DBus

/// The simulator's own D-Bus interface, for tests and the demo to steer the simulated world. It lives
/// on a separate connection owning `no.dho.Simulator`, so it stays reachable while the simulated
/// bluetoothd restarts.
///
/// Methods of `no.dho.Simulator1` at `/no/dho/sim` (addresses as "AA:BB:CC:DD:EE:FF", characteristic
/// UUIDs in any spelling, e.g. "2A35"):
/// - `SetInRange(s address, b inRange)`: start/stop advertising; out of range, Connect() fails and a
///   connected device drops.
/// - `Advertise(s address)`: one more advertisement (RSSI update, or a new Device1 while discovering).
/// - `Broadcast(s address, a{sv} serviceData, a{qv} manufacturerData) -> b`: one advertisement carrying this data (a
///   broadcast-only scale's weighing), seen (true) only while discovery runs, the device is in range and a filter
///   lets it through: a new Device1, or ServiceData / ManufacturerData (those it carries) and RSSI changed.
/// - `QueueFrames(s address, s characteristic, aay frames)`: add stored readings to send after
///   StartNotify (at once if already connected and notifying).
/// - `CollectElsewhere(s address) -> u`: another bonded phone collects the device's queued records (an Omron cuff's
///   advertised record counts drop to zero, sequence numbers unchanged); how many it took.
/// - `Notify(s address, s characteristic, ay value)`: one notification now (must be connected and notifying).
/// - `AddGlucoseRecords(s address, aay frames)`: store more glucose records (sequence from bytes 1–2).
/// - `ReplaceGlucoseRecords(s address, aay frames)`: the meter's memory is these records only (a meter reset or
///   replaced, whose numbering restarted).
/// - `ConnectFromDevice(s address)`: the device links up by itself (no Connect() call; GATT exported at once).
/// - `SendRawValue(s address, s characteristic, v value)`: a Value change carrying any type (malformed data),
///   whether or not anyone is notifying; the GATT objects must be exported.
/// - `SetRawDeviceProperty(s address, s name, v value)`: a Device1 property change of any name and type.
/// - `DisconnectDevice(s address)`: the device hangs up.
/// - `ExportGatt(s address)`: export the GATT objects of a `gattExport: manual` device now.
/// - `SetBattery(s address, y percentage)`.
/// - `SetValue(s address, s characteristic, ay value)`: what reading the characteristic returns from now on (a
///   firmware update changes the Firmware Revision String).
/// - `LoseBond(s address)`: the device forgets its bond and its clock (battery change, reset) while bluetoothd
///   keeps the keys; it then fails as `quirks.bondLossFailsOn` says until paired anew.
/// - `RestartBluetoothd()`, `RemoveAdapter()`, `AddAdapter()`.
/// - `WrittenValues(s address, s characteristic) -> aay`: every value written there, oldest first.
/// - `DeviceState(s address) -> a{sv}`: Exists, Connected, Paired, Trusted, InRange, ConnectAttempts,
///   PairAttempts, GattExported, Notifying (as), Queued (a{su}), GlucoseRecords (u), Battery (y, if any).
/// - `AdapterState() -> a{sv}`: Present, Powered, Discovering, DiscoverySessions (u), DiscoveryFilter
///   (a{sv}, the last one set), Agents (u), HasDefaultAgent (b), BluetoothdName (s), BusyReplies (u: setup calls
///   answered org.bluez.Error.Busy after restarts).
public enum SimulatorControl {
    public static let busName = "no.dho.Simulator"
    public static let path: ObjectPath = "/no/dho/sim"
    public static let interface = "no.dho.Simulator1"
    public static let unknownDeviceError = "no.dho.Simulator.Error.UnknownDevice"
    public static let notPossibleError = "no.dho.Simulator.Error.NotPossible"
}
