#!/usr/bin/env python3
"""The scenarios of scripts/test-bluetoothd, run inside the guest against Debian's real bluetoothd.

Each scenario gets a fresh world: bluetoothd (-d) with empty /var/lib/bluetooth, btmon recording, the reference
FHIR receiver, dho-gatewayd on hci0 with a new state directory, and one health device (peripheral.py) on hci1;
the two emulated controllers (btvirt) share one air. It drives dhoctl as a technician would and asserts what
reached the receiver and what dhoctl shows. Logs go to /share/out/<scenario>/; the host keeps them on failure.

  suite.py [SCENARIO...]     (default: all, in order)
"""

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
import urllib.request

import dbus

SHARE = "/share"
BIN = f"{SHARE}/bin"
OUT = f"{SHARE}/out"
BLUETOOTHD = "/usr/libexec/bluetooth/bluetoothd"
ENV = dict(os.environ, LD_LIBRARY_PATH=f"{BIN}/lib")

# Frames (Bluetooth SIG formats, see Sources/HealthProfiles): values noted beside each.
BP_FIRST = "1E 8A 00 58 00 78 00 E8 07 04 11 14 29 3B 3C 00 01 00 00"    # 138/88 mmHg, MAP 120, pulse 60
BP_SECOND = "1E 7E 00 50 00 6E 00 E8 07 04 12 08 0F 00 48 00 01 00 00"   # 126/80 mmHg, MAP 110, pulse 72
PLX_FIRST = "00 56 00 68 00"                                               # SpO2 86 %, pulse 104
PLX_SECOND = "00 61 00 48 00"                                              # SpO2 97 %, pulse 72
GLUCOSE_RECORDS = [
    "07 01 00 E8 07 04 11 08 1E 00 00 00 32 C0 11",    # #1: 5.0 mmol/L, capillary whole blood, finger
    "07 02 00 E8 07 04 11 13 1E 00 00 00 3D C0 11",    # #2: 6.1 mmol/L
]
GLUCOSE_NEW_RECORD = "07 03 00 E8 07 04 12 08 00 00 00 00 48 C0 11"   # #3: 7.2 mmol/L

SYSTOLIC, DIASTOLIC, CUFF_PULSE = "150021", "150022", "149546"
SPO2, OXIMETER_PULSE, CAPILLARY_GLUCOSE = "150456", "149530", "160184"


class Failure(Exception):
    pass


def wait_for(what, timeout, predicate, interval=0.2):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise Failure(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def bluez_running():
    bus = dbus.SystemBus()
    try:
        return bool(bus.name_has_owner("org.bluez"))
    finally:
        bus.close()


class Peripheral:
    """peripheral.py on one controller; its JSON events are queued and logged."""

    def __init__(self, world, kind, adapter="hci1", capability="NoInputNoOutput"):
        self.log = open(f"{world.dir}/peripheral-{kind}.log", "w", buffering=1)
        self.process = subprocess.Popen(
            [sys.executable, "-u", f"{SHARE}/suite/peripheral.py", "--adapter", adapter, "--kind", kind,
             "--capability", capability],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True, bufsize=1)
        self.events = queue.Queue()
        self.seen = []
        threading.Thread(target=self._read, daemon=True).start()
        self.address = self.expect("ready", 60)["address"]

    def _read(self):
        for line in self.process.stdout:
            self.log.write(f"{time.monotonic():.3f} {line}")
            try:
                event = json.loads(line)
            except ValueError:
                continue
            self.seen.append(event)
            self.events.put(event)

    def expect(self, name, timeout, **fields):
        """The next event called `name` (with these fields); earlier other events are skipped."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Failure(f"device: no '{name}' event within {timeout} s (events so far: "
                              f"{[e['event'] for e in self.seen][-15:]})")
            try:
                event = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            if event["event"] == name and all(event.get(k) == v for k, v in fields.items()):
                return event

    def send(self, command):
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def count(self, name):
        return sum(1 for event in self.seen if event["event"] == name)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()


class World:
    """One scenario's bluetoothd, btmon, FHIR receiver and gateway."""

    def __init__(self, name):
        self.name = name
        self.dir = f"{OUT}/{name}"
        os.makedirs(self.dir, exist_ok=True)
        self.state = f"/var/tmp/dho-{name}"
        shutil.rmtree(self.state, ignore_errors=True)
        os.makedirs(self.state)
        self.processes = []
        self.peripherals = []
        self.bluetoothd = None
        self.bluetoothd_starts = 0

    def spawn(self, name, command, **options):
        log = open(f"{self.dir}/{name}.log", "a", buffering=1)
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, **options)
        self.processes.append(process)
        return process

    def start(self):
        # Bonds of an earlier scenario must not leak into this one.
        shutil.rmtree("/var/lib/bluetooth", ignore_errors=True)
        os.makedirs("/var/lib/bluetooth", mode=0o700)
        self.btmon = self.spawn("btmon", ["btmon", "-w", f"{self.dir}/btmon.snoop"])
        self.start_bluetoothd()
        receiver = subprocess.Popen([sys.executable, f"{SHARE}/peers/fhir_receiver.py"], stdout=subprocess.PIPE,
                                    stderr=open(f"{self.dir}/receiver.log", "w"), text=True)
        self.processes.append(receiver)
        ports = json.loads(receiver.stdout.readline())
        self.admin = ports["adminPort"]
        self.config = f"{self.state}/gateway.yaml"
        with open(self.config, "w") as config:
            config.write(f"""gateway:
  id: hub-guest-1
  time-zone: UTC
patient:
  reference: Patient/guest-patient
  care-plan:
    template: copd
    installed-by: technician-guest
paths:
  state-directory: {self.state}/state
  control-socket: {self.state}/control.sock
  profiles: {SHARE}/profiles
bluetooth:
  adapter: hci0
  bus-address: unix:path=/run/dbus/system_bus_socket
  session-timeout: 60s
  revisit-interval: 2s
forwarding:
  endpoint: http://127.0.0.1:{ports['port']}/fhir
  initial-backoff: 1s
logging:
  level: debug
""")
        os.chmod(self.config, 0o600)
        self.gateway = self.spawn("daemon", [f"{BIN}/dho-gatewayd", "--config", self.config], env=ENV)
        wait_for("dho-gatewayd to answer dhoctl", 120, lambda: self.dhoctl("status", check=False).returncode == 0)
        wait_for("the gateway to power hci0", 60, lambda: "powered" in self.dhoctl("status", check=False).stdout.lower())

    def start_bluetoothd(self):
        self.bluetoothd_starts += 1
        self.bluetoothd = self.spawn("bluetoothd", [BLUETOOTHD, "-n", "-d"])
        wait_for("bluetoothd on the system bus", 60, bluez_running)

    def stop_bluetoothd(self):
        self.bluetoothd.send_signal(signal.SIGTERM)   # as systemctl restart does: adapters go down, links drop
        self.bluetoothd.wait(15)
        wait_for("bluetoothd to leave the bus", 10, lambda: not bluez_running())

    def device(self, kind, capability="NoInputNoOutput"):
        peripheral = Peripheral(self, kind, capability=capability)
        self.peripherals.append(peripheral)
        return peripheral

    def dhoctl(self, *arguments, check=True, input=None, timeout=60):
        command = [f"{BIN}/dhoctl", *arguments, "--socket", f"{self.state}/control.sock"]
        result = subprocess.run(command, capture_output=True, text=True, env=ENV, input=input, timeout=timeout)
        with open(f"{self.dir}/dhoctl.log", "a") as log:
            log.write(f"$ dhoctl {' '.join(arguments)}  (exit {result.returncode})\n{result.stdout}{result.stderr}\n")
        if check and result.returncode != 0:
            raise Failure(f"dhoctl {' '.join(arguments)} failed ({result.returncode}): {result.stderr.strip()}")
        return result

    def dhoctl_json(self, *arguments):
        return json.loads(self.dhoctl(*arguments, "--json").stdout)

    def pair(self, peripheral, passkey=False):
        """dhoctl pair, as a technician; with passkey, types the passkey the device shows."""
        # The peripherals' memories are stamped 2024 (before pairing): the patient's own devices, so forwarded.
        command = [f"{BIN}/dhoctl", "pair", peripheral.address, "--by", "technician-guest", "--timeout", "90",
                   "--memory-is-patients", "--socket", f"{self.state}/control.sock"]
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, env=ENV)
        if passkey:
            shown = peripheral.expect("passkey", 120)["passkey"]
            process.stdin.write(shown + "\n")
            process.stdin.flush()
        try:
            stdout, stderr = process.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
        with open(f"{self.dir}/dhoctl.log", "a") as log:
            log.write(f"$ dhoctl pair {peripheral.address}  (exit {process.returncode})\n{stdout}{stderr}\n")
        if process.returncode != 0:
            raise Failure(f"dhoctl pair {peripheral.address} failed: {stderr.strip()}")
        return stdout

    # -- what the follow-up centre received --

    def admin_get(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.admin}{path}", timeout=10) as answer:
            return json.load(answer)

    def observations(self):
        return self.admin_get("/resources?type=Observation")

    def values(self, code):
        """Every value the receiver holds under an MDC code (in Observations and their components)."""
        found = []
        for observation in self.observations():
            for part in [observation, *observation.get("component", [])]:
                codes = {coding.get("code") for coding in part.get("code", {}).get("coding", [])}
                quantity = part.get("valueQuantity")
                if code in codes and quantity is not None:
                    value = float(quantity["value"])
                    if quantity.get("code") == "mg/dL":
                        value = round(value / 18.016, 1)   # glucose: compare in mmol/L
                    found.append(value)
        return sorted(found)

    def wait_values(self, code, expected, timeout=120):
        expected = sorted(float(v) for v in expected)
        try:
            wait_for(f"values {expected} under MDC {code} at the receiver", timeout,
                     lambda: self.values(code) == expected or len(self.values(code)) > len(expected))
        except Failure:
            raise Failure(f"MDC {code}: receiver has {self.values(code)}, expected {expected}")
        if self.values(code) != expected:
            raise Failure(f"MDC {code}: receiver has {self.values(code)}, expected {expected}")

    def assert_no_duplicates(self):
        stats = self.admin_get("/stats")
        if stats.get("duplicates", 0) != 0:
            raise Failure(f"receiver saw duplicate creations: {stats}")

    def readings(self, address):
        return [r for r in self.dhoctl_json("readings", "--limit", "50") if r["device"].upper() == address.upper()]

    def stop(self):
        for peripheral in self.peripherals:
            peripheral.stop()
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def expect_readings(world, address, kind_word, count):
    def enough():
        readings = world.readings(address)
        return len(readings) >= count and readings
    readings = wait_for(f"{count} reading(s) of {address} in dhoctl readings", 60, enough)
    if len(readings) != count:
        raise Failure(f"dhoctl readings shows {len(readings)} readings of {address}, expected {count}: {readings}")
    for reading in readings:
        if kind_word not in reading["kind"]:
            raise Failure(f"unexpected reading kind {reading['kind']} for {address}")
    return readings


# -- scenarios --

def cuff_visited_twice(world):
    """A bonded cuff: just-works pairing, a measurement indicated, hang-up; later a second one."""
    cuff = world.device("cuff")
    cuff.send(f"measure {BP_FIRST}")
    cuff.expect("advertising", 30)
    output = world.pair(cuff)
    if "bonded" not in output:
        raise Failure(f"dhoctl pair did not bond the cuff: {output}")
    world.wait_values(SYSTOLIC, [138])
    world.wait_values(DIASTOLIC, [88])
    cuff.expect("disconnected", 90)
    devices = world.dhoctl_json("devices")
    device = next((d for d in devices if d["address"].upper() == cuff.address.upper()), None)
    if not device or device.get("manufacturer") != "Emulated Medical" or device.get("serial") != "SN-4711":
        raise Failure(f"Device Information not read as sent: {device}")

    cuff.send(f"measure {BP_SECOND}")
    cuff.expect("advertising", 30)
    world.wait_values(SYSTOLIC, [126, 138])
    world.wait_values(DIASTOLIC, [80, 88])
    world.wait_values(CUFF_PULSE, [60, 72])
    expect_readings(world, cuff.address, "blood", 2)
    world.assert_no_duplicates()


def oximeter_visited_twice(world):
    """A pulse oximeter (no bonding): a PLX spot-check per visit, each followed by the device hanging up."""
    oximeter = world.device("oximeter")
    oximeter.send(f"measure {PLX_FIRST}")
    oximeter.expect("advertising", 30)
    world.pair(oximeter)
    world.wait_values(SPO2, [86])
    world.wait_values(OXIMETER_PULSE, [104])
    oximeter.expect("disconnected", 90)

    oximeter.send(f"measure {PLX_SECOND}")
    oximeter.expect("advertising", 30)
    world.wait_values(SPO2, [86, 97])
    world.wait_values(OXIMETER_PULSE, [72, 104])
    world.assert_no_duplicates()


def glucometer_passkey_and_racp(world):
    """A glucometer paired with the passkey it shows (typed into dhoctl pair); RACP fetches its two records;
    after a new measurement the next visit asks only for records from #3 on."""
    meter = world.device("glucometer", capability="DisplayOnly")
    for record in GLUCOSE_RECORDS:
        meter.send(f"record {record}")
    meter.expect("advertising", 30)
    output = world.pair(meter, passkey=True)
    if "bonded" not in output:
        raise Failure(f"dhoctl pair did not bond the glucometer: {output}")
    world.wait_values(CAPILLARY_GLUCOSE, [5.0, 6.1])
    first = meter.expect("racp", 30)
    if first["request"] != "0101":
        raise Failure(f"first visit asked RACP {first['request']}, expected 0101 (all records)")
    meter.expect("disconnected", 90)

    meter.send(f"record {GLUCOSE_NEW_RECORD}")
    # The meter advertises at once, but with the emulated controllers bluetoothd's discovery can miss it for many
    # 10-second scan cycles in a row (a CI run: 11 cycles, 110 s, the kernel ending each scan with nothing found)
    # while another run saw it in the second; the gateway visits on the first advertisement bluetoothd reports.
    second = meter.expect("racp", 240)
    if second["request"] == "01040102000200":
        # The numbering check first (README "Glucometers whose numbering restarts"): the record at the cursor, #2.
        second = meter.expect("racp", 60)
    if second["request"] != "0103010300":
        raise Failure(f"second visit asked RACP {second['request']}, expected 0103010300 (from record #3)")
    world.wait_values(CAPILLARY_GLUCOSE, [5.0, 6.1, 7.2])
    expect_readings(world, meter.address, "glucose", 3)
    world.assert_no_duplicates()


def bluetoothd_restart_mid_visit(world):
    """bluetoothd is restarted while the gateway is connected to the cuff (before it indicated); the gateway
    registers again, reconnects when the cuff advertises, and collects the measurement."""
    cuff = world.device("cuff")
    cuff.send("hold on")
    cuff.send(f"measure {BP_FIRST}")
    cuff.expect("advertising", 30)
    world.pair(cuff)
    cuff.expect("subscribed", 120)   # the visit is under way: connected, services resolved, subscribed
    world.stop_bluetoothd()
    world.start_bluetoothd()
    cuff.expect("reregistered", 60)
    cuff.send("hold off")
    world.wait_values(SYSTOLIC, [138], timeout=90)
    world.wait_values(CUFF_PULSE, [60])
    expect_readings(world, cuff.address, "blood", 1)
    world.assert_no_duplicates()


SCENARIOS = [cuff_visited_twice, oximeter_visited_twice, glucometer_passkey_and_racp, bluetoothd_restart_mid_visit]


def run(scenario):
    name = scenario.__name__.replace("_", "-")
    world = World(name)
    started = time.monotonic()
    error = None
    try:
        world.start()
        scenario(world)
    except Exception as failure:   # noqa: BLE001 - any failure fails the scenario, with its story
        error = failure
        with open(f"{world.dir}/failure.txt", "w") as record:
            traceback.print_exc(file=record)
    finally:
        try:
            world.dhoctl("status", check=False)
            world.dhoctl("devices", check=False)
            world.dhoctl("readings", check=False)
        except Exception:   # noqa: BLE001 - the daemon may be the thing that failed
            pass
        world.stop()
    took = time.monotonic() - started
    if error is not None and os.path.exists(f"{world.dir}/btmon.snoop"):
        with open(f"{world.dir}/btmon.txt", "w") as text:
            subprocess.run(["btmon", "-r", f"{world.dir}/btmon.snoop"], stdout=text, stderr=subprocess.STDOUT)
    if error is None:
        print(f"PASS {name} ({took:.1f} s)", flush=True)
        return True
    print(f"FAIL {name} ({took:.1f} s): {error}", flush=True)
    return False


def main():
    wanted = sys.argv[1:]
    chosen = [s for s in SCENARIOS if not wanted or s.__name__.replace("_", "-") in wanted]
    passed = failed = 0
    for scenario in chosen:
        if run(scenario):
            passed += 1
        else:
            failed += 1
    print(f"{passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
