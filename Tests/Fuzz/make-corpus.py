#!/usr/bin/env python3
"""Writes the dho-fuzz seed corpora (Tests/Fuzz/corpus/<target>, one directory per fuzz target).

codecs: each file is a little-endian uint16 selector followed by the payload: a characteristic's assigned number
(0x2A35...) for a single frame, or one of the target's special selectors (see Sources/dho-fuzz/CodecTarget.swift).
The frames are the vectors of Tests/HealthProfilesTests; HealthProfilesTests/FuzzCorpusTests checks that each
still decodes, so the seeds stay valid.

The other targets take their documents as they are: the shipped gateway configuration, care plans and simulator
scenarios, control-protocol lines, FHIR JSON, and D-Bus messages marshalled by `dho-fuzz write-seeds` (a Swift
build is needed for those). Inputs that once crashed a target are kept in its directory as `regression-*` files
and are never rewritten here. Run again after adding a seed.
"""
import pathlib
import shutil
import struct
import subprocess

FRAMES = {
    # name: (selector, hex payload)
    "2a35-bp-full": (0x2A35, "1E 8A00 5800 7800 0000 04 11 14 29 3B 3C00 01 2700"),
    "2a35-bp-all-nan-error": (0x2A35, "16 FF07 FF07 FF07 E807 06 17 0E 23 0A FF07 0000"),
    "2a35-bp-kpa": (0x2A35, "15 BDF0 0B00 9FF0 3C00 1200"),
    "2a36-cuff-pressure": (0x2A36, "1E 0400 0000 0000 0000 04 11 14 29 3B 3C00 01 2700"),
    "2a49-bp-feature": (0x2A49, "3F01"),
    "2b34-enhanced-bp": (0x2B34, "7E 8A00 5800 7800 C0ACFC2D 3C00 02 0000 D0BAFC2D"),
    "2a5e-spot-check": (0x2A5E, "0F ACF3 BEF5 E807 0B 1D 17 08 39 2040 220000 66E3"),
    "2a5f-continuous": (0x2A5F, "1F DEF3 CAF3 CAF3 5AF5 D4F3 B2F2 2001 000000 7AE3"),
    "2a60-plx-features": (0x2A60, "A300 4010 800100"),
    "2a18-glucose": (0x2A18, "1B 0100 E307 02 1B 0B 0A 1E FBFF 1E00 12 0501"),
    "2a18-glucose-mmol": (0x2A18, "06 0300 E807 06 17 07 1E 00 38C0 11"),
    "2a34-glucose-context": (0x2A34, "DF 0100 00 03 01F0 04 12 3C00 32 04 0F90 41F0"),
    "2a51-glucose-feature": (0x2A51, "F003"),
    "2a52-racp-response": (0x2A52, "06 00 01 01"),
    "2a52-racp-count": (0x2A52, "05 00 0201"),
    "2a9d-weight": (0x2A9D, "0E B036 E707 0C 19 0E 1E 2D 05 F500 D606"),
    "2a9d-weight-unsuccessful": (0x2A9D, "06 FFFF E807 06 17 07 1E 00 FF"),
    "2a9e-weight-feature": (0x2A9E, "BF010000"),
    "2a9c-body-composition": (0x2A9C, "FE0F C800 EA07 09 04 0F 35 00 01 401F 9001 581B E02E 882C 401F 8813 983A D606"),
    "2a9b-body-composition-feature": (0x2A9B, "FFBF0100"),
    "2a1c-temperature": (0x2A1C, "06 B00E00FE DC07 0C 05 0B 32 1B 04"),
    "2a1e-intermediate-temperature": (0x2A1E, "00 6E0100FF"),
    "2a1d-temperature-type": (0x2A1D, "09"),
    "2a08-date-time": (0x2A08, "E807 02 1D 17 3B 3B"),
    "2a09-day-of-week": (0x2A09, "04"),
    "2a2b-current-time": (0x2A2B, "D507 0C 1B 0C 1F 28 03 7F 05"),
    "2a29-manufacturer": (0x2A29, "OMRON HEALTHCARE".encode().hex()),
    "2a23-system-id": (0x2A23, "71 10 00 FE FF 5F 49 B0"),
    "2a19-battery": (0x2A19, "57"),
    "ff52-racp-request-from-sequence": (0xFF52, "01 03 01 2A00"),
    # Two halves of a split body-composition measurement, each as [kind][length][bytes].
    "ff9c-body-composition-split": (0xFF9C, "00 14 7E10 C800 EA07 09 04 0F 35 00 01 401F 9001 581B E02E"
                                            " 00 0E 801F C800 882C 401F 8813 983A D606"),
    # A measurement announcing context, then its context (kind 0 measurement, kind 1 context).
    "ff18-glucose-with-context": (0xFF18, "00 0F 12 0100 E807 06 17 07 1E 00 6EB0 11  01 04 02 0100 01"),
    # Broadcast scales (selector 0xFFBC, every codec): captured frames named in BroadcastCodecTests.
    "ffbc-mi-scale-2": (0xFFBC, "22 3E30 E607 02 0E 10 29 3A"),
    "ffbc-mi-body-composition-2": (0xFFBC, "02 26 E607 02 0E 10 29 3A F701 9A38"),
    "ffbc-okok": (0xFFBC, "1D79 1770 0A01 25 B4565D37769A"),
}

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROFILE = (ROOT / "profiles/devices/glucose.yaml").read_text()

GATEWAY_CONFIGS = {
    "minimal": """gateway: {id: hub-1}
patient:
  reference: Patient/1
  care-plan: {template: copd, installed-by: tech-1}
forwarding: {endpoint: "https://fhir.example.no/fhir"}
""",
    "loopback-with-tls-files": """gateway:
  id: hub-e2e-1234
  time-zone: Europe/Oslo
patient:
  reference: "Patient?identifier=urn:oid:2.16.578.1.12.4.1.4.1|01017012345"
  care-plan:
    template: /etc/dho-gateway/plan.yaml
    overrides: /etc/dho-gateway/overrides.yaml
    installed-by: technician-e2e
paths:
  state-directory: /var/lib/dho-gateway
  control-socket: /run/dho-gateway/control.sock
  profiles: /usr/share/dho-gateway/profiles
bluetooth: {adapter: hci1, bus-address: "unix:path=/tmp/bus", session-timeout: 90s, connect-attempts: 3}
forwarding:
  endpoint: "http://127.0.0.1:8080/fhir"
  ca-file: /etc/dho-gateway/ca.pem
  client-certificate: /etc/dho-gateway/hub.crt
  client-key: /etc/dho-gateway/hub.key
  bearer-token-file: /etc/dho-gateway/token
  initial-backoff: 100ms
  maximum-backoff: 1s
alerts: {hook: /usr/lib/dho-gateway/hook, hook-timeout: 2s}
control: {technician-group: dho-tech}
logging: {level: debug}
""",
    "unknown-insecure-key": """gateway: {id: hub-1}
patient: {reference: Patient/1, care-plan: {template: copd, installed-by: t}}
forwarding: {endpoint: "https://user:secret@fhir.example.no/fhir/Patient/1", verify-tls: false}
insecure: true
""",
}

CONTROL_LINES = {
    "request-status": '{"arguments":{},"command":"status","id":1}',
    "request-pair": '{"arguments":{"address":"C4:AD:34:00:00:03","by":"technician-e2e","timeout":"30"},"command":"pair","id":7}',
    "answer-passkey": '{"answer":"123456","id":7}',
    "answer-cancel": '{"answer":null,"id":7}',
    "frame-result": '{"id":1,"type":"result","value":{"queue":{"undelivered":0,"lastError":null},"devices":[1,2.5,true,"x"]}}',
    "frame-failure": '{"code":"not-authorised","id":0,"message":"permission denied","type":"failure"}',
    "frame-prompt": '{"id":7,"kind":"passkey","message":"Enter the 6-digit passkey shown on the device","type":"prompt"}',
    "frame-progress": '{"detail":{"address":"A0:9E:1A:00:00:01","rssi":-60},"id":3,"message":"found","type":"progress"}',
}

FHIR_JSON = {
    "transaction-response": r"""{"resourceType":"Bundle","type":"transaction-response","entry":[
 {"response":{"status":"201 Created","location":"Observation/1/_history/1"}},
 {"response":{"status":"200 OK"}},
 {"response":{"status":"422 Unprocessable Entity","outcome":{"resourceType":"OperationOutcome",
  "issue":[{"severity":"error","code":"invalid","diagnostics":"bad code \u00e6\ud83d\ude00"}]}}}]}""",
    "observation": r"""{"resourceType":"Observation","status":"final","valueQuantity":{"value":36.70,"unit":"Cel",
 "system":"http://unitsofmeasure.org","code":"Cel"},"effectiveDateTime":"2024-04-17T18:41:59Z",
 "component":[{"valueQuantity":{"value":-1.5e-3}},{"dataAbsentReason":{"coding":[{"code":"not-a-number"}]}}]}""",
    "queued-flag-entries": r"""[{"fullUrl":"urn:uuid:0b6c3c1e-0000-4000-8000-000000000001",
 "request":{"method":"PUT","url":"Flag?identifier=urn:ietf:rfc:3986|urn:uuid:0b6c3c1e-0000-4000-8000-000000000001"},
 "resource":{"resourceType":"Flag","status":"active","identifier":[{"system":"urn:ietf:rfc:3986",
 "value":"urn:uuid:0b6c3c1e-0000-4000-8000-000000000001"}]}}]""",
    "scalars": r'[null,true,false,0,-0,1E+2,"\"\\\/\b\f\n\r\t\u0000"]',
}


def write_codecs(corpus: pathlib.Path) -> int:
    for name, (selector, payload) in FRAMES.items():
        data = struct.pack("<H", selector) + bytes.fromhex(payload.replace(" ", ""))
        (corpus / name).write_bytes(data)
    (corpus / "ffaa-glucose-profile").write_bytes(struct.pack("<H", 0xFFAA) + PROFILE.encode())
    return len(FRAMES) + 1


def write_texts(corpus: pathlib.Path, texts: dict) -> int:
    for name, text in texts.items():
        (corpus / name).write_bytes(text.encode())
    return len(texts)


def main() -> None:
    base = pathlib.Path(__file__).resolve().parent / "corpus"
    targets = ["codecs", "gateway-config", "care-plan", "sim-scenario", "control-line", "fhir-json", "dbus-message"]
    for target in targets:
        (base / target).mkdir(parents=True, exist_ok=True)
    counts = {"codecs": write_codecs(base / "codecs")}

    counts["gateway-config"] = write_texts(base / "gateway-config", GATEWAY_CONFIGS)
    shutil.copy(ROOT / "systemd/gateway.yaml.example", base / "gateway-config/gateway.yaml.example")
    counts["gateway-config"] += 1

    # Templates alone, and each with the example overrides merged over it (template, NUL, overrides).
    overrides = (ROOT / "profiles/care/overrides.example.yaml").read_bytes()
    counts["care-plan"] = 0
    for template in sorted((ROOT / "profiles/care").glob("*.yaml")):
        if template.name == "overrides.example.yaml":
            continue
        (base / "care-plan" / template.name).write_bytes(template.read_bytes())
        (base / "care-plan" / f"{template.stem}+overrides").write_bytes(template.read_bytes() + b"\0" + overrides)
        counts["care-plan"] += 2

    counts["sim-scenario"] = 0
    for scenario in sorted((ROOT / "profiles/sim").glob("*.yaml")):
        shutil.copy(scenario, base / "sim-scenario" / scenario.name)
        counts["sim-scenario"] += 1

    counts["control-line"] = write_texts(base / "control-line", CONTROL_LINES)
    counts["fhir-json"] = write_texts(base / "fhir-json", FHIR_JSON)

    try:
        subprocess.run(["swift", "run", "dho-fuzz", "write-seeds", str(base / "dbus-message")], cwd=ROOT, check=True)
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"dbus-message seeds not written ({error}); run: swift run dho-fuzz write-seeds {base / 'dbus-message'}")
    for target, count in counts.items():
        print(f"wrote {count} seeds to {base / target}")


if __name__ == "__main__":
    main()
