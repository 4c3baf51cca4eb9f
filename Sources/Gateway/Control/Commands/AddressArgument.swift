import BlueZ

extension CommandArguments {
    /// The device a command names (`address`): "AA:BB:CC:DD:EE:FF" in either case, as dhoctl documents it.
    func bluetoothAddress() throws(ControlError) -> BluetoothAddress {
        let text = try required("address")
        // Colons only: BluetoothAddress also reads the "_" of object paths, which no technician types.
        guard text.split(separator: ":", omittingEmptySubsequences: false).count == 6, let address = BluetoothAddress(text) else {
            throw .badArguments("'\(text)' is not a Bluetooth address (expected AA:BB:CC:DD:EE:FF)")
        }
        return address
    }
}
