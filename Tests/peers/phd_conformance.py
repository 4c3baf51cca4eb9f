#!/usr/bin/env python3
"""Conformance checker for the FHIR the gateway sends: an independent check, not the gateway's own code.

Two layers, both applied to every resource:
1. The FHIR structure, by the PyPI package `fhir.resources` (its R4B models: element names, types, cardinalities
   of the base resources, primitive formats such as a dateTime with a time but without an offset). The project
   does not write this part; `scripts/ensure-deps` installs the pinned version.
2. The rules of the profiles a resource declares in `meta.profile`, written here from their sources:
   - the HL7 Personal Health Device IG 2.0.0 (github HL7/phd, tag 2.0.0), each rule naming the file of
     `input/fsh/` or `input/intro-notes/` it comes from;
   - the FHIR R4 vital-signs profiles (https://hl7.org/fhir/R4/observation-vitalsigns.html), which R4 says
     vital signs SHALL conform to, recognised by their LOINC code as the FHIR spec does;
   - the project's own rule that every extension and code system it defines has a resolvable canonical URL
     (issue 13, finding 11).

`violations(resource)` answers a list of (rule, message); an empty list means the resource conforms.
As a command: `phd_conformance.py FILE.json` checks a resource or every resource of a Bundle and exits 1 when
one violates a rule (printing each violation).
"""

import json
import re
import sys

from fhir.resources.R4B import get_fhir_model_class

MDC = "urn:iso:std:iso:11073:10101"
UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
PHD = "http://hl7.org/fhir/uv/phd/StructureDefinition/"
PHD_CATEGORY_SYSTEM = "http://hl7.org/fhir/uv/phd/CodeSystem/PhdObservationCategories"
MEASUREMENT_STATUS = "http://hl7.org/fhir/uv/pocd/CodeSystem/measurement-status"
ASN1_TO_HL7 = "http://terminology.hl7.org/CodeSystem/ASN1ToHL7"
CONTINUA_IDS = "http://terminology.hl7.org/CodeSystem/ContinuaDeviceIdentifiers"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
GATEWAY_DEVICE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/observation-gatewayDevice"
COINCIDENT_EXTENSION = PHD + "CoincidentTimeStampReference"
V2_0136 = "http://terminology.hl7.org/CodeSystem/v2-0136"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

# PhdDevice-notes.md "System Identifier": identifier types and their systems.
IDENTIFIER_SYSTEMS = {
    "SYSID": "urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680",
    "BTMAC": "http://hl7.org/fhir/sid/eui-48/bluetooth",
    "ETHMAC": "http://hl7.org/fhir/sid/eui-48/ethernet",
    "ZIGBEE": "http://hl7.org/fhir/sid/eui-64/zigbee",
}
# http://hl7.org/fhir/R4/codesystem-data-absent-reason.html
DATA_ABSENT_CODES = {"unknown", "asked-unknown", "temp-unknown", "not-asked", "asked-declined", "masked",
                     "not-applicable", "unsupported", "as-text", "error", "not-a-number", "negative-infinity",
                     "positive-infinity", "not-performed", "not-permitted"}
# ValueSet.MDCClockTypes.fsh
CLOCK_TYPES = {"67975", "68226", "67983", "68072"}

# FHIR R4 vital-signs profiles: LOINC code of the Observation -> (profile, allowed UCUM codes of the value).
VITAL_SIGNS = {
    "85354-9": ("bp", None),
    "8867-4": ("heartrate", {"/min"}),
    "9279-1": ("resprate", {"/min"}),
    "2708-6": ("oxygensat", {"%"}),
    "8310-5": ("bodytemp", {"Cel", "[degF]"}),
    "29463-7": ("bodyweight", {"kg", "g", "[lb_av]"}),
    "8302-2": ("bodyheight", {"cm", "[in_i]"}),
    "39156-5": ("bmi", {"kg/m2"}),
}
# bp profile: the systolic and diastolic component slices fix the unit to mm[Hg].
BP_COMPONENTS = {"8480-6": "systolic", "8462-4": "diastolic"}


def codings(concept):
    return (concept or {}).get("coding") or []


def has_coding(concept, system, code=None):
    return any(c.get("system") == system and (code is None or c.get("code") == code) for c in codings(concept))


def primitive_present(resource, name):
    """A primitive is present when it has a value or, as FHIR allows, only extensions (data-absent-reason)."""
    return resource.get(name) not in (None, "") or bool((resource.get("_" + name) or {}).get("extension"))


class Checker:
    def __init__(self, resource):
        self.resource = resource
        self.found = []

    def fail(self, rule, message):
        self.found.append((rule, message))

    def require(self, condition, rule, message):
        if not condition:
            self.fail(rule, message)

    # ---- layer 1: fhir.resources -------------------------------------------------------------------------
    def structure(self):
        rtype = self.resource.get("resourceType")
        try:
            model = get_fhir_model_class(rtype)
        except Exception:  # noqa: BLE001 (an unknown type is a violation, whatever the package raises)
            self.fail("fhir.resources", f"unknown resourceType {rtype!r}")
            return
        try:
            model.model_validate(self.resource)
        except Exception as error:  # noqa: BLE001
            self.fail("fhir.resources", " ".join(str(error).split())[:600])

    # ---- project rule (issue 13, finding 11) -------------------------------------------------------------
    def canonical_urls(self, node=None, path=""):
        node = self.resource if node is None else node
        if isinstance(node, dict):
            url = node.get("url") if path.endswith("extension") else None
            if isinstance(url, str) and not url.startswith(("http://", "https://")):
                self.fail("dho.canonical-url", f"extension {url} at {path} is not a resolvable canonical URL")
            system = node.get("system") if path.endswith("coding") else None
            if isinstance(system, str) and system.startswith("urn:dho-gateway"):
                self.fail("dho.canonical-url", f"code system {system} at {path} is not a resolvable canonical URL")
            for key, value in node.items():
                self.canonical_urls(value, f"{path}.{key}" if path else key)
        elif isinstance(node, list):
            for item in node:
                self.canonical_urls(item, path)

    # ---- PHD IG 2.0.0 ------------------------------------------------------------------------------------
    def phd_base_observation(self):
        """StructureDefinition.PhdBaseObservation.fsh"""
        r = self.resource
        phd = [c for c in r.get("category") or [] if has_coding(c, PHD_CATEGORY_SYSTEM)]
        self.require(len(phd) == 1, "PhdBaseObservation.category[PHD-Observation]",
                     f"needs exactly one category coded {PHD_CATEGORY_SYSTEM}|phd, has {len(phd)}")
        for concept in phd:
            for coding in codings(concept):
                if coding.get("system") == PHD_CATEGORY_SYSTEM:
                    self.require(coding.get("code") == "phd", "PhdBaseObservation.category[PHD-Observation]",
                                 f"the PHD category code is fixed to 'phd', not {coding.get('code')!r}")
        extensions = r.get("extension") or []
        gateway = [e for e in extensions if e.get("url") == GATEWAY_DEVICE_EXTENSION]
        self.require(len(gateway) == 1 and (gateway[0].get("valueReference") or {}).get("reference"),
                     "PhdBaseObservation.extension[GatewayDevice]",
                     "needs exactly one observation-gatewayDevice extension with a valueReference")
        coincident = [e for e in extensions if e.get("url") == COINCIDENT_EXTENSION]
        self.require(len(coincident) <= 1, "PhdBaseObservation.extension[CoincidentTimeStamp]", "at most one")
        for extension in coincident:
            self.require((extension.get("valueReference") or {}).get("reference"),
                         "CoincidentTimeStampReference.value[x]", "needs a valueReference")
        # PhdBaseObservation-notes.md "Measurement Status": final, preliminary (early estimate), entered-in-error
        # (invalid).
        self.require(r.get("status") in ("final", "preliminary", "entered-in-error"), "PhdBaseObservation.status",
                     f"status {r.get('status')!r} is none of final, preliminary, entered-in-error")
        if r.get("status") == "entered-in-error":
            self.require(has_coding(r.get("dataAbsentReason"), DATA_ABSENT_REASON, "error"),
                         "PhdBaseObservation-notes Measurement Status (Invalid)",
                         "an invalid measurement is status entered-in-error AND dataAbsentReason error")
        self.require(has_coding(r.get("code"), MDC), "PhdBaseObservation.code (mdc-1)", "code has no MDC coding")
        self.require((r.get("subject") or {}).get("reference"), "PhdBaseObservation.subject", "subject is required")
        self.require("effectiveDateTime" in r or "effectivePeriod" in r, "PhdBaseObservation.effective[x]",
                     "effectiveDateTime or effectivePeriod is required")
        self.require((r.get("device") or {}).get("reference"), "PhdBaseObservation.device",
                     "device.reference (the PhdDevice) is required")
        self.interpretations(r, "PhdBaseObservation.interpretation")
        conditional = [i for i in r.get("identifier") or [] if i.get("system") == PHD + "PhdBaseObservation"]
        self.require(len(conditional) <= 1, "PhdBaseObservation.identifier[conditionalCreate]", "at most one")
        for identifier in conditional:
            self.require("type" not in identifier and identifier.get("value"),
                         "PhdBaseObservation.identifier[conditionalCreate]", "a value and no type")
        self.data_absent_reason(r.get("dataAbsentReason"), "PhdBaseObservation.dataAbsentReason")
        for component in r.get("component") or []:
            self.data_absent_reason(component.get("dataAbsentReason"), "PhdBaseObservation.component.dataAbsentReason")
            if has_coding(component.get("code"), MDC, "68193"):
                self.require("valueCodeableConcept" in component and "dataAbsentReason" not in component,
                             "PhdBaseObservation.component[supplementalTypesComponent]",
                             "a Supplemental-Types component carries a valueCodeableConcept and no dataAbsentReason")
        for name in ("derivedFrom", "hasMember"):
            for reference in r.get(name) or []:
                self.require(reference.get("reference"), f"PhdBaseObservation.{name}", "a reference is required")
        for security in (r.get("meta") or {}).get("security") or []:
            if security.get("system") == "http://terminology.hl7.org/CodeSystem/v3-ActReason":
                self.require(security.get("code") == "HTEST", "PhdBaseObservation.meta.security[PhdHtest]",
                             "the measurement-status security label is HTEST")

    def interpretations(self, element, rule):
        """PhdBaseObservation.fsh / PhdCompoundNumericObservation.fsh: `interpretation.coding contains
        MsmtStatusInterpretation 1..1` — every interpretation element has exactly one measurement-status coding."""
        for index, concept in enumerate(element.get("interpretation") or []):
            status = [c for c in codings(concept) if c.get("system") == MEASUREMENT_STATUS]
            self.require(len(status) == 1 and status[0].get("code"), rule + "[MsmtStatusInterpretation]",
                         f"interpretation[{index}] needs exactly one {MEASUREMENT_STATUS} coding, has {len(status)}")

    def data_absent_reason(self, concept, rule):
        """dataAbsentReason.coding from http://hl7.org/fhir/ValueSet/data-absent-reason (required)."""
        for coding in codings(concept):
            self.require(coding.get("system") == DATA_ABSENT_REASON and coding.get("code") in DATA_ABSENT_CODES,
                         rule, f"{coding.get('system')}|{coding.get('code')} is not a data-absent-reason code")

    def quantity(self, quantity, rule):
        self.require(quantity.get("value") is not None and quantity.get("system") == UCUM and quantity.get("code"),
                     rule, "valueQuantity needs value, system http://unitsofmeasure.org and code")

    def phd_numeric(self):
        """StructureDefinition.PhdNumericObservation.fsh: value[x] only Quantity (UCUM), or a dataAbsentReason."""
        r = self.resource
        values = [k for k in r if k.startswith("value")]
        self.require(values in ([], ["valueQuantity"]), "PhdNumericObservation.value[x]", f"only Quantity: {values}")
        if "valueQuantity" in r:
            self.quantity(r["valueQuantity"], "PhdNumericObservation.valueQuantity")
            # FHIR R4 Observation obs-6: a dataAbsentReason only where there is no value.
            self.require("dataAbsentReason" not in r, "Observation obs-6", "a valueQuantity and a dataAbsentReason")
            # The value is "the decoded FLOAT or SFLOAT value"; a special value (a meter's LO / HI, +-INF) is a
            # dataAbsentReason without a value (pagecontent/FLOATS.md), never a bound with a comparator.
            self.require("comparator" not in r["valueQuantity"], "PhdNumericObservation.valueQuantity.comparator",
                         "a PHD value is the decoded number, not a bound (a special value is a dataAbsentReason)")
        else:
            self.require("dataAbsentReason" in r, "PhdNumericObservation.dataAbsentReason",
                         "without a value there must be a dataAbsentReason")

    def phd_compound_numeric(self):
        """StructureDefinition.PhdCompoundNumericObservation.fsh: no value[x]; each compound component has one
        MDC coding, a UCUM valueQuantity or a dataAbsentReason, one measurement-status coding per
        interpretation."""
        r = self.resource
        self.require(not any(k.startswith("value") for k in r), "PhdCompoundNumericObservation.value[x]", "must be absent")
        compound = [c for c in r.get("component") or [] if "valueQuantity" in c or "dataAbsentReason" in c]
        self.require(compound or "dataAbsentReason" in r, "PhdCompoundNumericObservation.component[compound]",
                     "a compound numeric observation reports its values as components")
        for index, component in enumerate(compound):
            mdc = [c for c in codings(component.get("code")) if c.get("system") == MDC]
            self.require(len(mdc) == 1 and mdc[0].get("code"),
                         "PhdCompoundNumericObservation.component[compound].code.coding[MdcType]",
                         f"component[{index}] needs exactly one MDC coding, has {len(mdc)}")
            if "valueQuantity" in component:
                self.quantity(component["valueQuantity"], "PhdCompoundNumericObservation.component.valueQuantity")
            self.interpretations(component, "PhdCompoundNumericObservation.component.interpretation")

    def phd_bits(self):
        """StructureDefinition.PhdBitsEnumerationObservation.fsh: no value[x]; components coded from
        ASN1MeasurementBits (ASN1ToHL7 code system) with value[x] only boolean."""
        r = self.resource
        self.require(not any(k.startswith("value") for k in r), "PhdBitsEnumerationObservation.value[x]", "must be absent")
        for index, component in enumerate(r.get("component") or []):
            self.require(has_coding(component.get("code"), ASN1_TO_HL7),
                         "PhdBitsEnumerationObservation.component[bitsComponent].code",
                         f"component[{index}] is not coded with {ASN1_TO_HL7}")
            values = [k for k in component if k.startswith("value")]
            self.require(values == ["valueBoolean"] or (not values and "dataAbsentReason" in component),
                         "PhdBitsEnumerationObservation.component[bitsComponent].value[x]",
                         f"component[{index}]: value[x] only boolean, has {values}")

    def phd_coded_enumeration(self):
        """StructureDefinition.PhdCodedEnumerationObservation.fsh: value[x] only CodeableConcept."""
        r = self.resource
        values = [k for k in r if k.startswith("value")]
        self.require(values == ["valueCodeableConcept"] or (not values and "dataAbsentReason" in r),
                     "PhdCodedEnumerationObservation.value[x]", f"only CodeableConcept, has {values}")

    def phd_coincident(self):
        """StructureDefinition.PhdCoincidentTimeStampObservation.fsh"""
        r = self.resource
        self.require(r.get("status") == "final", "PhdCoincidentTimeStampObservation.status", "fixed to final")
        mdc = [c for c in codings(r.get("code")) if c.get("system") == MDC and c.get("code") in CLOCK_TYPES]
        self.require(len(mdc) == 1, "PhdCoincidentTimeStampObservation.code.coding[MDCType]",
                     "needs exactly one MDC clock type coding (ValueSet MDCClockTypes)")
        self.require((r.get("subject") or {}).get("reference", "").startswith(("Device", "urn:uuid:")),
                     "PhdCoincidentTimeStampObservation.subject", "subject is the PhdDevice")
        self.require((r.get("device") or {}).get("reference"), "PhdCoincidentTimeStampObservation.device",
                     "device.reference (the PhgDevice) is required")
        values = [k for k in r if k.startswith("value")]
        self.require(values in (["valueDateTime"], ["valueQuantity"]) or (not values and "dataAbsentReason" in r),
                     "PhdCoincidentTimeStampObservation.value[x]", f"dateTime or Quantity, has {values}")
        for name in ("derivedFrom", "hasMember", "specimen", "focus"):
            self.require(name not in r, f"PhdCoincidentTimeStampObservation.{name}", "must be absent (0..0)")

    def device_identifiers(self, profile):
        """PhdDevice.fsh / PhgDevice.fsh identifier slices (discriminated by type), and PhdDevice-notes.md
        "System Identifier": a PHD without a system id is identified by its transport address."""
        r = self.resource
        self.require(r.get("identifier"), f"{profile}.identifier", "at least one identifier")
        typed = set()
        for identifier in r.get("identifier") or []:
            for coding in codings(identifier.get("type")):
                if coding.get("code") in IDENTIFIER_SYSTEMS:
                    self.require(coding.get("system") == CONTINUA_IDS, f"{profile}.identifier.type",
                                 f"identifier type {coding.get('code')} must be coded with {CONTINUA_IDS}")
                    expected = IDENTIFIER_SYSTEMS[coding["code"]]
                    self.require(identifier.get("system") == expected and identifier.get("value"),
                                 f"{profile}.identifier[{coding['code']}]", f"system {expected} and a value")
                    digits = 16 if coding["code"] in ("SYSID", "ZIGBEE") else 12
                    self.require(re.fullmatch(r"[0-9A-F]{2}(-[0-9A-F]{2}){%d}" % (digits // 2 - 1),
                                              identifier.get("value") or ""),
                                 f"{profile}-notes System Identifier",
                                 f"{coding['code']} value is {digits // 2} capital hex pairs separated by dashes")
                    typed.add(coding["code"])
        return typed

    def phd_device(self):
        """StructureDefinition.PhdDevice.fsh"""
        r = self.resource
        typed = self.device_identifiers("PhdDevice")
        self.require(typed & {"SYSID", "BTMAC", "ETHMAC", "ZIGBEE"}, "PhdDevice-notes System Identifier",
                     "a PHD is identified by its system id or, without one, by its transport address")
        self.require(primitive_present(r, "manufacturer"), "PhdDevice.manufacturer", "1..1")
        self.require(primitive_present(r, "modelNumber"), "PhdDevice.modelNumber", "1..1")
        phd_code = [c for c in codings(r.get("type")) if c.get("system") == MDC and c.get("code") == "65573"]
        self.require(len(phd_code) == 1, "PhdDevice.type.coding[PhdCode]", "type includes MDC 65573 exactly once")
        self.specializations("PhdDevice", version_required=True)
        self.versions("PhdDevice")
        self.require("parent" not in r, "PhdDevice.parent", "0..0")
        self.properties("PhdDevice")

    def phg_device(self):
        """StructureDefinition.PhgDevice.fsh; its ^purpose lists what a PHG is required to report."""
        r = self.resource
        typed = self.device_identifiers("PhgDevice")
        self.require("SYSID" in typed, "PhgDevice ^purpose", "a PHG is required to have a system identifier")
        mdc = [c for c in codings(r.get("type")) if c.get("system") == MDC]
        self.require(len(mdc) == 1 and mdc[0].get("code") == "531981", "PhgDevice.type.coding[MDCType]",
                     "exactly one MDC type coding, 531981")
        self.require(primitive_present(r, "manufacturer") and primitive_present(r, "modelNumber"),
                     "PhgDevice ^purpose", "manufacturer and model number are required")
        self.specializations("PhgDevice", version_required=False)
        self.versions("PhgDevice")
        self.require("parent" not in r, "PhgDevice.parent", "0..0")
        types = self.properties("PhgDevice")
        self.require(f"{MDC}|68220" in types, "PhgDevice ^purpose / property[timeSyncProperty]",
                     "the time synchronisation method is required")
        self.require(f"{ASN1_TO_HL7}|532354.0" in types, "PhgDevice.property[isRegulatedProperty]",
                     "the regulation status is reported (issue 13, finding 7)")

    def specializations(self, profile, version_required):
        specializations = self.resource.get("specialization") or []
        self.require(specializations, f"{profile}.specialization[MDCType]", "1..*")
        for index, item in enumerate(specializations):
            self.require(has_coding(item.get("systemType"), MDC), f"{profile}.specialization[MDCType].systemType",
                         f"specialization[{index}] needs an MDC (DeviceTypes11073MDC) coding")
            if version_required:
                self.require(primitive_present(item, "version"), f"{profile}.specialization[MDCType].version",
                             f"specialization[{index}] needs its version")

    def versions(self, profile):
        versions = self.resource.get("version") or []
        self.require(versions, f"{profile}.version[MDCType]", "1..*")
        for index, item in enumerate(versions):
            self.require(has_coding(item.get("type"), MDC) and primitive_present(item, "value"),
                         f"{profile}.version[MDCType]", f"version[{index}] needs an MDC type and a value")
            self.require("component" not in item, f"{profile}.version[MDCType].component", "0..0")

    def properties(self, profile):
        types = set()
        for index, item in enumerate(self.resource.get("property") or []):
            for coding in codings(item.get("type")):
                types.add(f"{coding.get('system')}|{coding.get('code')}")
            if has_coding(item.get("type"), ASN1_TO_HL7):  # isRegulatedProperty and clockBitProperty
                values = item.get("valueCode") or []
                self.require(len(values) == 1 and "valueQuantity" not in item and has_coding(values[0], V2_0136),
                             f"{profile}.property[isRegulatedProperty|clockBitProperty].valueCode",
                             f"property[{index}]: one valueCode coded with {V2_0136}")
            if has_coding(item.get("type"), MDC, "68220"):
                values = item.get("valueCode") or []
                self.require(len(values) <= 1 and all(codings(v) for v in values),
                             f"{profile}.property[timeSyncProperty].valueCode", "at most one, coded")
        return types

    # ---- FHIR R4 vital signs -----------------------------------------------------------------------------
    def vital_signs(self, profile, units):
        """https://hl7.org/fhir/R4/observation-vitalsigns.html and the profile of `profile`."""
        r = self.resource
        rule = f"vitalsigns/{profile}"
        self.require(any(has_coding(c, OBSERVATION_CATEGORY, "vital-signs") for c in r.get("category") or []),
                     rule + " category", "category vital-signs is required")
        self.require((r.get("subject") or {}).get("reference"), rule + " subject", "1..1")
        effective = r.get("effectiveDateTime") or (r.get("effectivePeriod") or {}).get("start")
        self.require(effective, rule + " effective[x]", "1..1")
        self.require(
            any(k.startswith("value") for k in r) or "dataAbsentReason" in r or r.get("component")
            or r.get("hasMember"), rule + " vs-2", "a value, a dataAbsentReason, components or members")
        for index, component in enumerate(r.get("component") or []):
            self.require(any(k.startswith("value") for k in component) or "dataAbsentReason" in component,
                         rule + " vs-3", f"component[{index}] needs a value or a dataAbsentReason")
        if "valueQuantity" in r:
            quantity = r["valueQuantity"]
            self.require(quantity.get("value") is not None and quantity.get("unit") and quantity.get("system") == UCUM
                         and quantity.get("code"), rule + " valueQuantity", "value, unit, system UCUM and code")
            if units is not None:
                self.require(quantity.get("code") in units, rule + " valueQuantity.code",
                             f"unit {quantity.get('code')!r} is not one of {sorted(units)}")
        if profile == "bp":
            for loinc, name in BP_COMPONENTS.items():
                matching = [c for c in r.get("component") or [] if has_coding(c.get("code"), LOINC, loinc)]
                self.require(len(matching) == 1, f"vitalsigns/bp component[{name}]", f"exactly one {loinc} component")
                for component in matching:
                    quantity = component.get("valueQuantity")
                    if quantity is not None:
                        self.require(quantity.get("code") == "mm[Hg]" and quantity.get("system") == UCUM,
                                     f"vitalsigns/bp component[{name}].valueQuantity.code",
                                     f"the unit is fixed to mm[Hg], not {quantity.get('code')!r}")

    # ---- dispatch ----------------------------------------------------------------------------------------
    def run(self):
        self.structure()
        self.canonical_urls()
        r = self.resource
        profiles = set((r.get("meta") or {}).get("profile") or [])
        phd_observations = {"PhdNumericObservation": self.phd_numeric,
                             "PhdCompoundNumericObservation": self.phd_compound_numeric,
                             "PhdBitsEnumerationObservation": self.phd_bits,
                             "PhdCodedEnumerationObservation": self.phd_coded_enumeration}
        for name, check in phd_observations.items():
            if PHD + name in profiles:
                self.phd_base_observation()
                check()
        if PHD + "PhdCoincidentTimeStampObservation" in profiles:
            self.phd_coincident()
        if PHD + "PhdDevice" in profiles:
            self.phd_device()
        if PHD + "PhgDevice" in profiles:
            self.phg_device()
        unknown = [p for p in profiles if p.startswith(PHD) and p[len(PHD):] not in
                   set(phd_observations) | {"PhdCoincidentTimeStampObservation", "PhdDevice", "PhgDevice"}]
        for profile in unknown:
            self.fail("phd_conformance", f"{profile} is not a profile this checker knows: it cannot vouch for it")
        if r.get("resourceType") == "Observation":
            for coding in codings(r.get("code")):
                if coding.get("system") == LOINC and coding.get("code") in VITAL_SIGNS:
                    profile, units = VITAL_SIGNS[coding["code"]]
                    self.vital_signs(profile, units)
                    self.require("http://hl7.org/fhir/StructureDefinition/" + profile in profiles,
                                 f"vitalsigns/{profile} meta.profile", "a vital sign declares its vital-signs profile")
        return self.found


def violations(resource):
    """(rule, message) for every rule `resource` violates; empty when it conforms."""
    if not isinstance(resource, dict):
        return [("fhir.resources", "a resource is a JSON object")]
    return Checker(resource).run()


def bundle_violations(bundle):
    """(entry index, rule, message) for every violation of every resource of a Bundle."""
    return [(index, rule, message)
            for index, entry in enumerate(bundle.get("entry") or [])
            for rule, message in violations(entry.get("resource"))]


def main():
    with open(sys.argv[1]) as handle:
        document = json.load(handle)
    found = (bundle_violations(document) if document.get("resourceType") == "Bundle"
             else [(0, rule, message) for rule, message in violations(document)])
    for index, rule, message in found:
        print(f"entry {index}: {rule}: {message}")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
