#!/usr/bin/env python3
"""Writes the dho-fuzz seed corpus (Tests/Fuzz/corpus) from known-good frames.

Each file is a little-endian uint16 selector followed by the payload: a characteristic's assigned number
(0x2A35...) for a single frame, or one of the harness's special selectors (see Sources/dho-fuzz/FuzzHarness.swift).
The frames are the vectors of Tests/HealthProfilesTests; HealthProfilesTests/FuzzCorpusTests checks that each
still decodes, so the seeds stay valid. Run again after adding a frame here.
"""
import pathlib
import struct

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
}

PROFILE = (pathlib.Path(__file__).resolve().parents[2] / "profiles/devices/glucose.yaml").read_text()


def main() -> None:
    corpus = pathlib.Path(__file__).resolve().parent / "corpus"
    corpus.mkdir(exist_ok=True)
    for name, (selector, payload) in FRAMES.items():
        data = struct.pack("<H", selector) + bytes.fromhex(payload.replace(" ", ""))
        (corpus / name).write_bytes(data)
    (corpus / "ffaa-glucose-profile").write_bytes(struct.pack("<H", 0xFFAA) + PROFILE.encode())
    print(f"wrote {len(FRAMES) + 1} seeds to {corpus}")


if __name__ == "__main__":
    main()
