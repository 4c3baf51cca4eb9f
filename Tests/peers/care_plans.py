"""The centre's published care plans, for fhir_receiver.py: what a follow-up centre's FHIR server holds once a
doctor's order has been entered and verified there (a CarePlan and the Provenance of that version), and the
search the hub polls with: GET [base]/CarePlan?subject=...&status=active&_revinclude=Provenance:target, with an
ETag so that an unchanged answer is a 304."""
import hashlib
import json
import threading
import time
import urllib.parse


class PublishedPlans:
    def __init__(self):
        self.lock = threading.Lock()
        self.plans = {}  # id -> CarePlan (latest version)
        self.provenances = []
        self.stats = {"planSearches": 0, "planNotModified": 0}

    def publish(self, body):
        """{"carePlan": {...}, "provenance": {...} | null}: stores the CarePlan as its next version; a Provenance
        without target gets this version as target. Returns {"reference": "CarePlan/<id>/_history/<v>"}."""
        with self.lock:
            plan = dict(body["carePlan"])
            plan_id = plan.setdefault("id", f"plan-{len(self.plans) + 1}")
            previous = self.plans.get(plan_id)
            version = int(previous["meta"]["versionId"]) + 1 if previous else 1
            plan["meta"] = {"versionId": str(version),
                            "lastUpdated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            self.plans[plan_id] = plan
            reference = f"CarePlan/{plan_id}/_history/{version}"
            provenance = body.get("provenance")
            if provenance is not None:
                provenance = dict(provenance)
                provenance.setdefault("target", [{"reference": reference}])
                provenance.setdefault("id", f"prov-{len(self.provenances) + 1}")
                self.provenances.append(provenance)
            return {"reference": reference}

    def search(self, query, if_none_match):
        """(status, body bytes, etag) for a CarePlan search."""
        params = urllib.parse.parse_qs(query)
        with self.lock:
            self.stats["planSearches"] += 1
            subject = (params.get("subject") or [None])[0]
            by_identifier = (params.get("subject:identifier") or [None])[0]
            status = (params.get("status") or [None])[0]
            matches = []
            for plan in self.plans.values():
                ref = (plan.get("subject") or {}).get("reference")
                ident = (plan.get("subject") or {}).get("identifier") or {}
                if subject is not None and ref != subject:
                    continue
                if by_identifier is not None and f"{ident.get('system')}|{ident.get('value')}" != by_identifier:
                    continue
                if status is not None and plan.get("status") != status:
                    continue
                matches.append(plan)
            entries = [{"resource": plan, "search": {"mode": "match"}} for plan in matches]
            if "Provenance:target" in (params.get("_revinclude") or []):
                targets = set()
                for plan in matches:
                    targets.add(f"CarePlan/{plan['id']}")
                    targets.add(f"CarePlan/{plan['id']}/_history/{plan['meta']['versionId']}")
                for provenance in self.provenances:
                    if any(t.get("reference") in targets for t in provenance.get("target", [])):
                        entries.append({"resource": provenance, "search": {"mode": "include"}})
            bundle = {"resourceType": "Bundle", "type": "searchset", "total": len(matches), "entry": entries}
            data = json.dumps(bundle, sort_keys=True).encode()
            etag = 'W/"' + hashlib.sha256(data).hexdigest()[:16] + '"'
            if if_none_match == etag:
                self.stats["planNotModified"] += 1
                return 304, b"", etag
            return 200, data, etag
