#!/usr/bin/env python3
"""A Bluetooth LE health device served by the real bluetoothd, for scripts/test-bluetoothd.

It plays a blood-pressure cuff, a pulse oximeter or a glucometer on one (emulated) controller through BlueZ's
own peripheral API: GattManager1.RegisterApplication for the GATT services, LEAdvertisingManager1 for the
advertisement and AgentManager1 for the device side of pairing. It behaves as the real devices do:
- cuff / oximeter: when the gateway is connected and subscribed, it indicates its stored measurements one by
  one (each confirmed), then hangs up and advertises again when it has something new;
- glucometer: answers Record Access Control Point requests (all records, or records from a sequence number)
  with one notification per record and the RACP completion indication; the gateway hangs up.

Commands on stdin, one a line:  measure HEX | record HEX | hold on|off | quit
Events on stdout, one JSON object a line: ready, advertising, connected, subscribed, sent, confirmed,
disconnected, passkey, racp, reregistered. When bluetoothd restarts, everything is registered again.
"""

import argparse
import json
import os
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

BLUEZ = "org.bluez"
PROPERTIES = "org.freedesktop.DBus.Properties"
OBJECT_MANAGER = "org.freedesktop.DBus.ObjectManager"
SERVICE = "org.bluez.GattService1"
CHARACTERISTIC = "org.bluez.GattCharacteristic1"
ADVERTISEMENT = "org.bluez.LEAdvertisement1"
AGENT = "org.bluez.Agent1"
APP_ROOT = "/org/dho/peripheral"


def uuid16(short):
    return f"0000{short.lower()}-0000-1000-8000-00805f9b34fb"


def hex_bytes(text):
    return bytes.fromhex(text.replace(" ", ""))


def emit(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


# What each kind of device exposes: its advertised service and characteristics (uuid, flags, initial value).
KINDS = {
    "cuff": {"name": "UA-651BLE", "service": "1810", "measurement": "2A35", "characteristics": [
        ("2A35", ["indicate"], b""), ("2A49", ["read"], hex_bytes("0300"))]},
    "oximeter": {"name": "Nonin3230", "service": "1822", "measurement": "2A5E", "characteristics": [
        ("2A5E", ["indicate"], b""), ("2A60", ["read"], hex_bytes("0000"))]},
    "glucometer": {"name": "ContourNext", "service": "1808", "measurement": "2A18", "characteristics": [
        ("2A18", ["notify"], b""), ("2A51", ["read"], hex_bytes("0000")), ("2A52", ["write", "indicate"], b"")]},
}
DEVICE_INFORMATION = {"2A29": "Emulated Medical", "2A24": "EMU-1", "2A25": "SN-4711", "2A26": "1.0.0"}


class Characteristic(dbus.service.Object):
    def __init__(self, bus, path, service_path, uuid, flags, value, device):
        super().__init__(bus, path)
        self.path, self.service_path, self.uuid, self.flags, self.value = path, service_path, uuid, flags, value
        self.device = device
        self.notifying = False

    def properties(self):
        return {CHARACTERISTIC: {
            "Service": dbus.ObjectPath(self.service_path), "UUID": uuid16(self.uuid),
            "Flags": dbus.Array(self.flags, signature="s"), "Notifying": dbus.Boolean(self.notifying)}}

    def send(self, value):
        """Indicates or notifies a value: bluetoothd sends a PropertiesChanged Value to the subscribed peer."""
        self.value = value
        self.PropertiesChanged(CHARACTERISTIC, {"Value": dbus.Array(value, signature="y")}, [])

    @dbus.service.method(PROPERTIES, in_signature="ss", out_signature="v")
    def Get(self, interface, name):
        return self.properties()[interface][name]

    @dbus.service.method(PROPERTIES, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        return self.properties()[interface]

    @dbus.service.signal(PROPERTIES, signature="sa{sv}as")
    def PropertiesChanged(self, interface, changed, invalidated):
        pass

    @dbus.service.method(CHARACTERISTIC, in_signature="a{sv}", out_signature="ay")
    def ReadValue(self, options):
        return dbus.Array(self.value, signature="y")

    @dbus.service.method(CHARACTERISTIC, in_signature="aya{sv}")
    def WriteValue(self, value, options):
        self.device.written(self, bytes(value))

    @dbus.service.method(CHARACTERISTIC)
    def StartNotify(self):
        self.notifying = True
        self.device.subscribed(self)

    @dbus.service.method(CHARACTERISTIC)
    def StopNotify(self):
        self.notifying = False

    @dbus.service.method(CHARACTERISTIC)
    def Confirm(self):
        self.device.confirmed(self)


class Service(dbus.service.Object):
    def __init__(self, bus, path, uuid):
        super().__init__(bus, path)
        self.path, self.uuid, self.characteristics = path, uuid, []

    def properties(self):
        return {SERVICE: {"UUID": uuid16(self.uuid), "Primary": dbus.Boolean(True)}}

    @dbus.service.method(PROPERTIES, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        return self.properties()[interface]


class Application(dbus.service.Object):
    def __init__(self, bus, services):
        super().__init__(bus, APP_ROOT)
        self.services = services

    @dbus.service.method(OBJECT_MANAGER, out_signature="a{oa{sa{sv}}}")
    def GetManagedObjects(self):
        objects = {}
        for service in self.services:
            objects[dbus.ObjectPath(service.path)] = service.properties()
            for characteristic in service.characteristics:
                objects[dbus.ObjectPath(characteristic.path)] = characteristic.properties()
        return objects


class Advertisement(dbus.service.Object):
    def __init__(self, bus, name, service):
        super().__init__(bus, APP_ROOT + "/advertisement")
        self.name, self.service = name, service

    @dbus.service.method(PROPERTIES, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        return {"Type": "peripheral", "ServiceUUIDs": dbus.Array([uuid16(self.service)], signature="s"),
                "LocalName": self.name, "Discoverable": dbus.Boolean(True)}

    @dbus.service.method(ADVERTISEMENT)
    def Release(self):
        pass


class Agent(dbus.service.Object):
    """The device side of pairing: shows a passkey (DisplayOnly) or pairs just-works (NoInputNoOutput)."""

    @dbus.service.method(AGENT)
    def Release(self):
        pass

    @dbus.service.method(AGENT, in_signature="ouq")
    def DisplayPasskey(self, device, passkey, entered):
        emit("passkey", passkey=f"{int(passkey):06d}", device=str(device))

    @dbus.service.method(AGENT, in_signature="ou")
    def RequestConfirmation(self, device, passkey):
        emit("confirmation", passkey=f"{int(passkey):06d}", device=str(device))

    @dbus.service.method(AGENT, in_signature="o")
    def RequestAuthorization(self, device):
        pass

    @dbus.service.method(AGENT, in_signature="os")
    def AuthorizeService(self, device, uuid):
        pass

    @dbus.service.method(AGENT)
    def Cancel(self):
        emit("pairing-cancelled")


class Device:
    def __init__(self, bus, adapter, kind, capability, indicate_delay):
        self.bus, self.adapter_name, self.kind, self.capability = bus, adapter, KINDS[kind], capability
        self.kind_name = kind
        self.adapter_path = f"/org/bluez/{adapter}"
        self.indicate_delay_ms = int(indicate_delay * 1000)
        self.pending = []          # cuff/oximeter: measurements not yet indicated
        self.records = []          # glucometer: (sequence number, record)
        self.hold = False          # connected but not sending (the suite restarts bluetoothd then)
        self.peer = None           # the gateway's Device1 path on our adapter while it is connected
        self.sending = False
        self.awaiting_confirmation = None
        self.advertising = False

        self.services = []
        self.by_uuid = {}
        definitions = [(self.kind["service"], self.kind["characteristics"]),
                       ("180A", [(uuid, ["read"], text.encode()) for uuid, text in DEVICE_INFORMATION.items()])]
        for index, (service_uuid, characteristics) in enumerate(definitions):
            service = Service(bus, f"{APP_ROOT}/service{index}", service_uuid)
            for number, (uuid, flags, value) in enumerate(characteristics):
                characteristic = Characteristic(bus, f"{service.path}/char{number}", service.path, uuid, flags, value, self)
                service.characteristics.append(characteristic)
                self.by_uuid[uuid] = characteristic
            self.services.append(service)
        self.application = Application(bus, self.services)
        self.advertisement = Advertisement(bus, self.kind["name"], self.kind["service"])
        self.agent = Agent(bus, APP_ROOT + "/agent")

        bus.add_signal_receiver(self.properties_changed, "PropertiesChanged", PROPERTIES, BLUEZ,
                                path_keyword="path")
        bus.add_signal_receiver(self.interfaces_added, "InterfacesAdded", OBJECT_MANAGER, BLUEZ)
        bus.add_signal_receiver(self.owner_changed, "NameOwnerChanged", "org.freedesktop.DBus",
                                arg0=BLUEZ)

    # -- registration (again after every bluetoothd restart) --

    def register(self, then):
        """Powers the adapter, registers agent, GATT application and (with news) the advertisement; calls
        `then` when bluetoothd has taken the application. The registrations that make bluetoothd call back
        into this process (GetManagedObjects, GetAll) are asynchronous: a blocking call would deadlock."""
        adapter = self.bus.get_object(BLUEZ, self.adapter_path)
        properties = dbus.Interface(adapter, PROPERTIES)
        properties.Set("org.bluez.Adapter1", "Powered", dbus.Boolean(True))
        self.address = str(properties.Get("org.bluez.Adapter1", "Address"))
        manager = dbus.Interface(self.bus.get_object(BLUEZ, "/org/bluez"), "org.bluez.AgentManager1")
        manager.RegisterAgent(APP_ROOT + "/agent", self.capability)
        manager.RequestDefaultAgent(APP_ROOT + "/agent")
        self.advertising = False
        self.peer = None
        self.sending = False
        self.awaiting_confirmation = None
        for characteristic in self.by_uuid.values():
            characteristic.notifying = False   # a new bluetoothd has no subscriptions until the peer writes them

        def registered():
            then()
            if self.has_news():
                self.advertise()

        dbus.Interface(adapter, "org.bluez.GattManager1").RegisterApplication(
            APP_ROOT, {}, reply_handler=registered,
            error_handler=lambda error: self.fail(f"RegisterApplication: {error}"))

    def fail(self, message):
        emit("error", message=message)
        loop.quit()

    def advertising_manager(self):
        return dbus.Interface(self.bus.get_object(BLUEZ, self.adapter_path), "org.bluez.LEAdvertisingManager1")

    def advertise(self):
        if self.advertising:
            return
        self.advertising = True
        self.advertising_manager().RegisterAdvertisement(
            APP_ROOT + "/advertisement", {}, reply_handler=lambda: emit("advertising", address=self.address),
            error_handler=lambda error: emit("warning", message=f"RegisterAdvertisement: {error}"))

    def unregister_advertisement(self):
        self.advertising_manager().UnregisterAdvertisement(
            APP_ROOT + "/advertisement", reply_handler=lambda: None, error_handler=lambda error: None)

    def stop_advertising(self):
        if self.advertising:
            self.advertising = False
            self.unregister_advertisement()

    def owner_changed(self, name, old, new):
        if name == BLUEZ and new:
            GLib.timeout_add(500, self.reregister)

    def reregister(self):
        try:
            self.register(lambda: emit("reregistered"))
        except dbus.DBusException as error:
            emit("warning", message=f"registering again: {error}")
            GLib.timeout_add(500, self.reregister)
        return False

    def has_news(self):
        if self.kind_name == "glucometer":
            return True   # a meter advertises whenever it is on; the gateway asks for what is new
        return bool(self.pending)

    # -- the link to the gateway --

    def interfaces_added(self, path, interfaces):
        # The gateway's first connection creates its Device1 object already connected: no PropertiesChanged.
        device = interfaces.get("org.bluez.Device1")
        if device is not None:
            self.properties_changed("org.bluez.Device1", {"Connected": device.get("Connected", False)}, [], path=path)

    def properties_changed(self, interface, changed, invalidated, path=None):
        if interface != "org.bluez.Device1" or not path.startswith(self.adapter_path + "/"):
            return
        if "Connected" in changed:
            if changed["Connected"]:
                if self.peer == path:
                    return
                self.peer = path
                emit("connected", peer=path)
                self.stop_advertising()
                GLib.timeout_add(self.indicate_delay_ms, self.maybe_send)
            elif path == self.peer:
                self.peer = None
                self.sending = False
                emit("disconnected", peer=path)
                # Advertising stopped with the connection; a device with something new advertises again.
                GLib.timeout_add(300, self.readvertise)

    def readvertise(self):
        # The controller dropped the advertisement when the link came up; register it anew.
        if self.peer is None and self.has_news():
            self.advertising = False
            try:
                self.unregister_advertisement()
                self.advertise()
            except dbus.DBusException as error:   # bluetoothd is restarting: registering again advertises
                emit("warning", message=f"advertising again: {error}")
        return False

    def subscribed(self, characteristic):
        emit("subscribed", uuid=characteristic.uuid)
        GLib.timeout_add(self.indicate_delay_ms, self.maybe_send)

    def maybe_send(self):
        measurement = self.by_uuid[self.kind["measurement"]]
        if (self.kind_name == "glucometer" or self.hold or self.sending or self.peer is None
                or not measurement.notifying or not self.pending):
            return False
        self.sending = True
        self.send_next()
        return False

    def send_next(self):
        if self.peer is None:
            self.sending = False
            return False
        if not self.pending:
            GLib.timeout_add(500, self.hang_up)
            return False
        value = self.pending[0]
        self.awaiting_confirmation = value
        self.by_uuid[self.kind["measurement"]].send(value)
        emit("sent", value=value.hex())
        # A real device gives up on an indication after the ATT transaction timeout, 30 s (Core Spec Vol 3 Part F
        # 3.3.3); 5 s here made the emulated controllers' late confirmations look lost (the device then re-sent a
        # stamp-less measurement that was stored, and the gateway stored it twice: a CI run).
        GLib.timeout_add(30000, self.unconfirmed, value)
        return False

    def unconfirmed(self, value):
        """An indication nobody confirmed stays stored, as on a real cuff: hang up, send it next visit."""
        if self.awaiting_confirmation is value:
            emit("unconfirmed", value=value.hex())
            self.awaiting_confirmation = None
            self.hang_up()
        return False

    def confirmed(self, characteristic):
        if characteristic.uuid == self.kind["measurement"] and self.awaiting_confirmation is not None:
            emit("confirmed", value=self.awaiting_confirmation.hex())
            if self.pending and self.pending[0] == self.awaiting_confirmation:
                self.pending.pop(0)
            self.awaiting_confirmation = None
            GLib.timeout_add(100, self.send_next)

    def hang_up(self):
        self.sending = False
        if self.peer is None:
            return False
        try:
            device = dbus.Interface(self.bus.get_object(BLUEZ, self.peer), "org.bluez.Device1")
            device.Disconnect()
            emit("hung-up")
        except dbus.DBusException as error:
            emit("warning", message=f"Disconnect: {error}")
        return False

    # -- glucometer: Record Access Control Point --

    def written(self, characteristic, value):
        if characteristic.uuid != "2A52":
            return
        emit("racp", request=value.hex())
        opcode, operator = value[0], value[1] if len(value) > 1 else 0
        if opcode == 0x01 and operator == 0x01:
            wanted = list(self.records)
        elif opcode == 0x01 and operator == 0x03 and len(value) >= 5 and value[2] == 0x01:
            first = int.from_bytes(value[3:5], "little")
            wanted = [record for record in self.records if record[0] >= first]
        elif opcode == 0x01 and operator == 0x04 and len(value) >= 7 and value[2] == 0x01:   # within range
            low, high = int.from_bytes(value[3:5], "little"), int.from_bytes(value[5:7], "little")
            wanted = [record for record in self.records if low <= record[0] <= high]
        elif opcode == 0x01 and operator in (0x05, 0x06):   # first / last record
            ordered = sorted(self.records, key=lambda record: record[0])
            wanted = ordered[:1] if operator == 0x05 else ordered[-1:]
        elif opcode == 0x03:   # abort
            GLib.timeout_add(50, self.racp_answer, bytes([0x06, 0x00, 0x03, 0x01]))
            return
        else:
            GLib.timeout_add(50, self.racp_answer, bytes([0x06, 0x00, opcode, 0x02]))   # op code not supported
            return
        if not wanted:
            GLib.timeout_add(50, self.racp_answer, bytes([0x06, 0x00, 0x01, 0x06]))   # no records found
            return
        GLib.timeout_add(100, self.send_records, [record for _, record in wanted])

    def send_records(self, records):
        if records:
            self.by_uuid["2A18"].send(records[0])
            emit("sent", value=records[0].hex())
            GLib.timeout_add(60, self.send_records, records[1:])
        else:
            self.racp_answer(bytes([0x06, 0x00, 0x01, 0x01]))   # success
        return False

    def racp_answer(self, value):
        self.by_uuid["2A52"].send(value)
        emit("racp-answer", value=value.hex())
        return False

    # -- commands from the suite --

    def command(self, line):
        words = line.split(None, 1)
        if not words:
            return
        if words[0] == "measure":
            self.pending.append(hex_bytes(words[1]))
            if self.peer is None:
                self.advertise()
            else:
                GLib.idle_add(self.maybe_send)
        elif words[0] == "record":
            record = hex_bytes(words[1])
            self.records.append((int.from_bytes(record[1:3], "little"), record))
        elif words[0] == "hold":
            self.hold = words[1].strip() == "on"
            if not self.hold:
                GLib.idle_add(self.maybe_send)
        elif words[0] == "quit":
            loop.quit()
        emit("ok", command=words[0])


def read_commands(source, condition, device, pending=bytearray()):
    """Reads what the suite wrote (straight from the descriptor: a buffered readline would keep a second
    command in its buffer where this watch never sees it) and runs every complete line."""
    chunk = os.read(sys.stdin.fileno(), 4096)
    if not chunk:
        loop.quit()
        return False
    pending.extend(chunk)
    while b"\n" in pending:
        line, _, rest = bytes(pending).partition(b"\n")
        pending[:] = rest
        device.command(line.decode().strip())
    return True


def main():
    global loop
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--adapter", default="hci1")
    parser.add_argument("--kind", choices=sorted(KINDS), required=True)
    parser.add_argument("--capability", default="NoInputNoOutput", help="the agent's IO capability")
    parser.add_argument("--indicate-delay", type=float, default=1.0,
                        help="seconds between the gateway subscribing (or connecting) and the first indication")
    arguments = parser.parse_args()

    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    loop = GLib.MainLoop()
    device = Device(bus, arguments.adapter, arguments.kind, arguments.capability, arguments.indicate_delay)
    device.register(lambda: emit("ready", address=device.address, kind=arguments.kind))
    GLib.io_add_watch(sys.stdin.fileno(), GLib.IO_IN | GLib.IO_HUP, read_commands, device)
    loop.run()


if __name__ == "__main__":
    main()
