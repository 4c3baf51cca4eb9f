#!/usr/bin/env python3
"""Reference FHIR receiver for the gateway's forwarding tests and benchmarks (python3 standard library only).

It accepts FHIR R4 transaction Bundles (POST to the base URL) and implements
- conditional create (POST, request.ifNoneExist "identifier=system|value"): 201 Created when new, 200 OK when a
  resource with that identifier exists;
- conditional update (PUT, request.url "Type?identifier=system|value"): no match -> created (201), one match ->
  replaced keeping its id (200), several matches -> the transaction fails with 412;
resolves urn:uuid references between entries, keeps everything in memory (optionally also in a JSON state
file) and counts what it saw: creations and updates per identifier, and duplicate creations (a resource created
although one with the same identifier already existed) which must stay zero. Two entries of one transaction
that write the same resource fail it with 400, as FHIR requires.

Two listeners: the FHIR endpoint (http, or https with --cert/--key, optionally requiring a client certificate
with --client-ca) and a plain-http admin endpoint on loopback for tests:
  GET  /stats                       counters
  GET  /identifiers?type=Observation {"system|value": number of creations}
  GET  /updates?type=Flag           {"system|value": number of updates (conditional PUT on an existing one)}
  GET  /created?type=Observation    {"system|value": Unix time (s) of its first creation} (latency benchmarks)
  GET  /resources?type=Observation  stored resources
  GET  /violations                  strict mode: the diagnostics of every Bundle rejected with 422
  POST /faults   {"script": [...], "rejectIdentifiers": [...], "clear": true}
  POST /down     stop listening on the FHIR port and cut open connections (connections are refused)
  POST /up       listen again on the same port
Fault script steps, consumed one per FHIR request (each may have "count": n):
  {"status": 500}                         answer with that status and an OperationOutcome
  {"status": 429, "retryAfter": "1"}      ... with a Retry-After header (seconds or HTTP-date)
  {"status": 200, "body": "<html>..."}    a 2xx that is not a transaction-response (captive portal)
  {"action": "reset"}                     close the connection with RST before reading the request
  {"action": "reset-after-commit"}        process the transaction, then RST instead of answering
  {"action": "slow", "seconds": 3}        process the transaction, then wait before answering
Hostile answers (the transaction is not processed; each ends when the client hangs up):
  {"action": "endless-body"}              200 without a length, then body bytes for ever (up to 4 GiB)
  {"action": "huge-content-length"}       200 with Content-Length: 1 GiB, then that many bytes
  {"action": "gzip-bomb"}                 200, Content-Encoding: gzip, ~256 KB that inflate to 256 MiB of zeros
  {"action": "slowloris", "seconds": 120} 200 status line, then one header byte every half second
  {"action": "garbage"}                   random bytes instead of an HTTP response
  {"action": "redirect"}                  307 to another host (must not be followed)
  {"action": "many-headers", "headers": 50000}  200 with that many header lines and a tiny body
  {"action": "json-flood", "bytes": 15000000}  200 with a valid JSON array of that many bytes of zeros
Strict mode (--strict-phd): every resource of a Bundle is checked by phd_conformance.py (fhir.resources R4B
models plus the PHD IG 2.0.0 and R4 vital-signs profile rules the resource declares); a Bundle with a violation
is rejected whole with 422 and an OperationOutcome with one issue per violated rule ("entry N Type: rule:
message"), counted in stats "nonConformant". GET /violations lists the diagnostics of every rejection.

rejectIdentifiers: a Bundle with an entry whose resource has one of these identifier values is rejected
whole (transactions are atomic) with 400 and an OperationOutcome naming it.

On start it prints one JSON line: {"port": ..., "adminPort": ..., "scheme": "http"|"https"}.
"""

import argparse
import email.utils
import json
import os
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse
import uuid
from care_plans import PublishedPlans
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Store:
    def __init__(self, state_path=None):
        self.lock = threading.Lock()
        self.resources = {}  # type -> {id: resource}
        self.index = {}  # (type, system, value) -> id
        self.creations = {}  # (type, "system|value") -> count
        self.updates = {}  # (type, "system|value") -> count
        self.created_at = {}  # (type, "system|value") -> time.time() when first created (not persisted)
        self.versions = {}  # (type, id) -> version number
        self.stats = {
            "requests": 0, "bundles": 0, "entries": 0, "created": 0, "existing": 0, "updated": 0,
            "duplicates": 0, "rejected": 0, "faults": 0, "unauthorized": 0, "badRequests": 0, "nonConformant": 0,
        }
        self.script = []
        self.reject = set()
        self.checker = None  # phd_conformance.bundle_violations in strict mode
        self.violations = []  # diagnostics of every strict-mode rejection
        self.state_path = state_path
        if state_path and os.path.exists(state_path):
            with open(state_path) as handle:
                saved = json.load(handle)
            for rtype, items in saved.get("resources", {}).items():
                for rid, resource in items.items():
                    self._store(rtype, rid, resource)
            self.stats.update(saved.get("stats", {}))
            for key, count in saved.get("creations", {}).items():
                rtype, ident = key.split(" ", 1)
                self.creations[(rtype, ident)] = count
            for key, count in saved.get("updates", {}).items():
                rtype, ident = key.split(" ", 1)
                self.updates[(rtype, ident)] = count
            for key, version in saved.get("versions", {}).items():
                rtype, rid = key.split(" ", 1)
                self.versions[(rtype, rid)] = version

    def _store(self, rtype, rid, resource):
        previous = self.resources.get(rtype, {}).get(rid)
        for ident in (previous or {}).get("identifier", []) or []:
            key = (rtype, ident.get("system"), ident.get("value"))
            if self.index.get(key) == rid:
                del self.index[key]
        self.resources.setdefault(rtype, {})[rid] = resource
        for ident in resource.get("identifier", []) or []:
            self.index[(rtype, ident.get("system"), ident.get("value"))] = rid

    def search(self, rtype, system, value):
        """Ids of stored resources of rtype with the identifier (system may be None: any system)."""
        return [rid for rid, resource in self.resources.get(rtype, {}).items()
                if any(ident.get("value") == value and (system is None or ident.get("system") == system)
                       for ident in resource.get("identifier", []) or [])]

    def save(self):
        if not self.state_path:
            return
        data = {
            "resources": self.resources, "stats": self.stats,
            "creations": {f"{t} {i}": c for (t, i), c in self.creations.items()},
            "updates": {f"{t} {i}": c for (t, i), c in self.updates.items()},
            "versions": {f"{t} {i}": v for (t, i), v in self.versions.items()},
        }
        temporary = self.state_path + ".tmp"
        with open(temporary, "w") as handle:
            json.dump(data, handle)
        os.replace(temporary, self.state_path)

    def next_fault(self):
        with self.lock:
            while self.script:
                step = self.script[0]
                remaining = step.get("count", 1)
                if remaining <= 0:
                    self.script.pop(0)
                    continue
                step["count"] = remaining - 1
                if step["count"] <= 0:
                    self.script.pop(0)
                self.stats["faults"] += 1
                return dict(step)
            return None


def unescape_search(text):
    out, escaped = [], False
    for character in text:
        if escaped:
            out.append(character)
            escaped = False
        elif character == "\\":
            escaped = True
        else:
            out.append(character)
    return "".join(out)


def split_unescaped_bar(text):
    escaped = False
    for position, character in enumerate(text):
        if escaped:
            escaped = False
        elif character == "\\":
            escaped = True
        elif character == "|":
            return text[:position], text[position + 1:]
    return None, text


def parse_if_none_exist(query):
    """'identifier=system|value' (percent-encoded, FHIR-escaped) -> (system, value); also the search of a
    conditional update."""
    parameters = {}
    for part in query.split("&"):
        if "=" in part:
            key, value = part.split("=", 1)
            parameters[urllib.parse.unquote(key)] = urllib.parse.unquote(value)
    if "identifier" not in parameters:
        raise ValueError("ifNoneExist must search by identifier")
    system, value = split_unescaped_bar(parameters["identifier"])
    return (unescape_search(system) if system is not None else None), unescape_search(value)


def observation_search(store, query):
    """GET [base]/Observation?code=[system|]code: a searchset of the stored Observations with that code (the
    centre asking for every hub's last check-in: one Observation per hub, updated in place)."""
    wanted = (urllib.parse.parse_qs(query).get("code") or [None])[0]
    system, code = split_unescaped_bar(wanted) if wanted else (None, None)
    matches = [resource for resource in store.resources.get("Observation", {}).values()
               if code is None or any(c.get("code") == code and (system is None or c.get("system") == system)
                                      for c in (resource.get("code") or {}).get("coding", []))]
    return {"resourceType": "Bundle", "type": "searchset", "total": len(matches),
            "entry": [{"resource": resource, "search": {"mode": "match"}} for resource in matches]}


def outcome(code, text, severity="error"):
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": code, "diagnostics": text}]}


def rewrite_references(node, mapping):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str) and value in mapping:
                node[key] = mapping[value]
            else:
                rewrite_references(value, mapping)
    elif isinstance(node, list):
        for item in node:
            rewrite_references(item, mapping)


def process_transaction(store, bundle):
    """Returns (status, body). Atomic: either every entry is applied or none."""
    if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "transaction":
        return 400, outcome("invalid", "expected a transaction Bundle")
    entries = bundle.get("entry") or []
    if store.checker is not None:
        found = store.checker(bundle)
        if found:
            diagnostics = [f"entry {index} {(entries[index].get('resource') or {}).get('resourceType')}: {rule}: {text}"
                           for index, rule, text in found]
            with store.lock:
                store.stats["nonConformant"] += 1
                store.violations.extend(diagnostics)
            return 422, {"resourceType": "OperationOutcome",
                         "issue": [{"severity": "error", "code": "processing", "diagnostics": text}
                                   for text in diagnostics]}
    for entry in entries:
        resource, request = entry.get("resource"), entry.get("request") or {}
        if not isinstance(resource, dict) or request.get("method") not in ("POST", "PUT") or not request.get("url"):
            return 400, outcome("invalid", "every entry needs a resource and a POST or PUT request")
        if resource.get("resourceType") != request["url"].split("?")[0]:
            return 400, outcome("invalid", "request.url does not match the resource type")
        if request["method"] == "PUT" and "?" not in request["url"]:
            return 400, outcome("not-supported", "only conditional update (PUT Type?identifier=...) is supported")
        for ident in resource.get("identifier", []) or []:
            if ident.get("value") in store.reject:
                store.stats["rejected"] += 1
                return 400, outcome("business-rule", f"rejected resource with identifier {ident.get('value')}")
    with store.lock:
        mapping, plan, responses = {}, [], []
        planned = {}
        written = set()  # (type, id) of resources written by an update in this transaction
        counts = {"existing": 0, "created": 0, "updated": 0, "duplicates": 0}
        for entry in entries:
            resource, request = entry["resource"], entry["request"]
            rtype = resource["resourceType"]
            if request["method"] == "PUT":
                try:
                    system, value = parse_if_none_exist(request["url"].split("?", 1)[1])
                except ValueError as error:
                    return 400, outcome("invalid", str(error))
                matches = store.search(rtype, system, value)
                if (rtype, system, value) in planned and planned[(rtype, system, value)] not in matches:
                    matches.append(planned[(rtype, system, value)])
                if len(matches) > 1:
                    return 412, outcome("multiple-matches", f"{len(matches)} {rtype} resources match {request['url']}")
                rid = matches[0] if matches else uuid.uuid4().hex
                if (rtype, rid) in written or any(p[1] == rid for p in plan):
                    return 400, outcome("invalid", f"two entries of the transaction write {rtype}/{rid}")
                written.add((rtype, rid))
                version = store.versions.get((rtype, rid), 0) + 1
                plan.append((rtype, rid, resource, "updated" if matches else "created"))
                for ident in resource.get("identifier", []) or []:
                    planned[(rtype, ident.get("system"), ident.get("value"))] = rid
                status = "200 OK" if matches else "201 Created"
                responses.append({"status": status, "location": f"{rtype}/{rid}/_history/{version}"})
                counts["updated" if matches else "created"] += 1
                existing = rid
            else:
                existing = None
                condition = request.get("ifNoneExist")
                if condition:
                    try:
                        system, value = parse_if_none_exist(condition)
                    except ValueError as error:
                        return 400, outcome("invalid", str(error))
                    existing = store.index.get((rtype, system, value)) or planned.get((rtype, system, value))
                if existing:
                    version = store.versions.get((rtype, existing), 1)
                    responses.append({"status": "200 OK", "location": f"{rtype}/{existing}/_history/{version}"})
                    counts["existing"] += 1
                else:
                    rid = uuid.uuid4().hex
                    for ident in resource.get("identifier", []) or []:
                        key = (rtype, ident.get("system"), ident.get("value"))
                        if key in store.index or key in planned:
                            counts["duplicates"] += 1
                        planned[key] = rid
                    plan.append((rtype, rid, resource, "created"))
                    responses.append({"status": "201 Created", "location": f"{rtype}/{rid}/_history/1"})
                    counts["created"] += 1
                    existing = rid
            if entry.get("fullUrl"):
                mapping[entry["fullUrl"]] = f"{rtype}/{existing}"
        committed_at = time.time()
        for rtype, rid, resource, action in plan:
            rewrite_references(resource, mapping)
            resource["id"] = rid
            store._store(rtype, rid, resource)
            store.versions[(rtype, rid)] = store.versions.get((rtype, rid), 0) + 1
            counter = store.creations if action == "created" else store.updates
            for ident in resource.get("identifier", []) or []:
                key = (rtype, f"{ident.get('system')}|{ident.get('value')}")
                counter[key] = counter.get(key, 0) + 1
                if action == "created":
                    store.created_at.setdefault(key, committed_at)
        for name, count in counts.items():
            store.stats[name] += count
        store.stats["bundles"] += 1
        store.stats["entries"] += len(entries)
        store.save()
    return 200, {"resourceType": "Bundle", "type": "transaction-response",
                 "entry": [{"response": response} for response in responses]}


HOSTILE_ACTIONS = {"endless-body", "huge-content-length", "gzip-bomb", "slowloris", "garbage", "redirect",
                   "many-headers", "json-flood"}
_gzip_bomb = None


def gzip_bomb():
    """~256 KB of gzip that inflate to 256 MiB of zeros (built once, in 1 MiB steps: fast and small)."""
    global _gzip_bomb
    if _gzip_bomb is None:
        import zlib
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
        zeros = bytes(1 << 20)
        parts = [compressor.compress(zeros) for _ in range(256)]
        parts.append(compressor.flush())
        _gzip_bomb = b"".join(parts)
    return _gzip_bomb


def hostile_answer(handler, fault):
    """Answers as a hostile or broken server would, writing raw bytes; stops when the client hangs up."""
    action = fault["action"]
    handler.close_connection = True
    out = handler.wfile
    try:
        if action == "garbage":
            out.write(os.urandom(8192))
        elif action == "redirect":
            out.write(b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://192.0.2.1/fhir\r\n"
                      b"Content-Length: 0\r\nConnection: close\r\n\r\n")
        elif action == "many-headers":
            count = int(fault.get("headers", 50000))
            out.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\n")
            batch = []
            for number in range(count):
                batch.append(b"X-Filler-%d: %s\r\n" % (number, b"v" * 16))
                if len(batch) == 1000:
                    out.write(b"".join(batch))
                    batch = []
            out.write(b"".join(batch) + b"Content-Length: 2\r\nConnection: close\r\n\r\n{}")
        elif action == "gzip-bomb":
            body = gzip_bomb()
            out.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Encoding: gzip\r\n"
                      b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body))
            out.write(body)
        elif action == "json-flood":
            size = max(4, int(fault.get("bytes", 15_000_000)))
            count = (size - 2) // 2
            out.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\n"
                      b"Content-Length: %d\r\nConnection: close\r\n\r\n[" % (2 * count + 1))
            chunk = b"0," * 32768
            remaining = count - 1
            while remaining > 0:
                step = min(remaining, 32768)
                out.write(chunk[:2 * step])
                remaining -= step
            out.write(b"0]")
        elif action == "slowloris":
            out.write(b"HTTP/1.1 200 OK\r\n")
            out.flush()
            deadline = time.time() + float(fault.get("seconds", 120))
            while time.time() < deadline:
                out.write(b"X")
                out.flush()
                time.sleep(0.5)
        elif action in ("endless-body", "huge-content-length"):
            length = 1 << 30
            header = b"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\n"
            header += (b"Content-Length: %d\r\n" % length) if action == "huge-content-length" else b""
            out.write(header + b"Connection: close\r\n\r\n")
            chunk = b'{"resourceType":"Bundle",' * 2600
            sent, limit = 0, length if action == "huge-content-length" else 4 << 30
            while sent < limit:
                piece = chunk[:limit - sent]
                out.write(piece)
                sent += len(piece)
        out.flush()
    except OSError:
        pass  # the client hung up: what a gateway that protects itself does


class AccessPolicy:
    """--token-issuer-key: accept only tokens of Tests/peers/token_service.py, DPoP-bound ones with a valid proof."""

    def __init__(self, issuer_key_file, audience, require_nonce, clock_offset):
        import dpop  # jwcrypto is only needed in this mode
        self.dpop = dpop
        self.issuer_key = dpop.jwk.JWK.from_pem(open(issuer_key_file, "rb").read())
        self.audience, self.clock_offset = audience, clock_offset
        self.replays, self.nonces = dpop.ReplayCache(), dpop.NonceIssuer(require_nonce)
        self.tokens = set()

    def now(self):
        return time.time() + self.clock_offset

    def refusal(self, handler, raw_path):
        """None when the request carries a valid token (and proof); else (headers, outcome) of a 401."""
        url = f"{'https' if isinstance(handler.connection, ssl.SSLSocket) else 'http'}://{handler.headers.get('Host')}{raw_path}"
        try:
            self.dpop.check_resource_request(handler.headers, handler.command, url, self.now(), self.issuer_key,
                                             self.audience, self.replays, self.nonces)
            self.tokens.add(handler.headers.get("Authorization"))
            return None
        except self.dpop.Refused as refused:
            headers = {"WWW-Authenticate": f'DPoP error="{refused.error}", algs="ES256 RS256 PS256"'}
            if refused.nonce:
                headers["DPoP-Nonce"] = refused.nonce
            return headers, outcome("login", f"{refused.error}: {refused.description}")


def make_fhir_handler(store, token, access=None, plans=None):
    class FHIRHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; without TCP_NODELAY, Nagle + the client's delayed ACK add
        # 40 ms to every response on a kept-alive connection.
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def date_time_string(self, timestamp=None):
            # With --clock-offset the Date header shows this server's skewed clock, as a real one would.
            return email.utils.formatdate(access.now() if access else time.time(), usegmt=True)

        def send_json(self, status, body, headers=None):
            data = json.dumps(body).encode() if not isinstance(body, (bytes, str)) else (
                body.encode() if isinstance(body, str) else body)
            self.send_response(status)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def reset(self):
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            self.close_connection = True
            try:
                self.connection.close()
            except OSError:
                pass

        def finish(self):
            try:
                super().finish()
            except OSError:
                pass

        def refused_search(self, path):
            """Answers 401 and returns True when a search comes without valid credentials."""
            refusal = access.refusal(self, path) if access else None  # htu has no query
            if token is not None and self.headers.get("Authorization") != f"Bearer {token}":
                refusal = ({}, outcome("login", "missing or wrong bearer token"))
            if refusal:
                store.stats["unauthorized"] += 1
                self.send_json(401, refusal[1], refusal[0])
            return bool(refusal)

        def do_GET(self):
            path, _, query = self.path.partition("?")
            if plans is not None and path.rstrip("/").endswith("/CarePlan"):
                if self.refused_search(path):
                    return
                status, data, etag = plans.search(query, self.headers.get("If-None-Match"))
                self.send_json(status, data, {"ETag": etag})
                return
            if path.rstrip("/").endswith("/Observation"):
                if self.refused_search(path):
                    return
                with store.lock:
                    bundle = observation_search(store, query)
                self.send_json(200, bundle)
                return
            if self.path.rstrip("/").endswith("metadata"):
                self.send_json(200, {"resourceType": "CapabilityStatement", "status": "active", "kind": "instance",
                                     "fhirVersion": "4.0.1", "format": ["json"]})
            else:
                self.send_json(404, outcome("not-found", "only POST of transaction Bundles is supported"))

        def do_POST(self):
            store.stats["requests"] += 1
            fault = store.next_fault()
            if fault and fault.get("action") == "reset":
                self.reset()
                return
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if token is not None and self.headers.get("Authorization") != f"Bearer {token}":
                store.stats["unauthorized"] += 1
                self.send_json(401, outcome("login", "missing or wrong bearer token"))
                return
            refusal = access.refusal(self, self.path) if access else None
            if refusal:
                store.stats["unauthorized"] += 1
                self.send_json(401, refusal[1], refusal[0])
                return
            if access:
                store.stats["authorizedTokens"] = len(access.tokens)
            if fault and fault.get("action") in HOSTILE_ACTIONS:
                hostile_answer(self, fault)
                return
            if fault and "status" in fault:
                headers = {}
                if "retryAfter" in fault:
                    headers["Retry-After"] = str(fault["retryAfter"])
                body = fault.get("body", outcome("transient", f"injected fault {fault['status']}"))
                self.send_json(int(fault["status"]), body, headers)
                return
            try:
                bundle = json.loads(raw)
            except ValueError:
                store.stats["badRequests"] += 1
                self.send_json(400, outcome("structure", "body is not JSON"))
                return
            status, body = process_transaction(store, bundle)
            if status >= 400:
                store.stats["badRequests"] += 1
            if fault and fault.get("action") == "reset-after-commit":
                self.reset()
                return
            if fault and fault.get("action") == "slow":
                time.sleep(float(fault.get("seconds", 3)))
            self.send_json(status, body)

    return FHIRHandler


class FHIRListener:
    """The FHIR port; can be stopped and restarted on the same port (receiver down / up)."""

    def __init__(self, host, port, handler, context):
        self.host, self.port, self.handler, self.context = host, port, handler, context
        self.server = None
        self.placeholder = None
        self.lock = threading.Lock()
        self.start()

    def start(self):
        with self.lock:
            if self.server is not None:
                return
            if self.placeholder is not None:
                self.placeholder.close()
                self.placeholder = None
            server = TrackingHTTPServer((self.host, self.port), self.handler)
            server.daemon_threads = True
            if self.context is not None:
                server.socket = self.context.wrap_socket(server.socket, server_side=True)
            self.port = server.server_address[1]
            self.server = server
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(self):
        with self.lock:
            if self.server is None:
                return
            self.server.shutdown()
            self.server.server_close()
            # A centre that is down does not go on answering on kept-alive connections either.
            self.server.drop_connections()
            self.server = None
            # Keep the port while down: bound but not listening, it refuses connections as a centre that is down
            # does, and no other process on the machine (a parallel test binding port 0) can take it, which made
            # the next /up fail to bind and answer nothing.
            placeholder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            placeholder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                placeholder.bind((self.host, self.port))
                self.placeholder = placeholder
            except OSError:
                placeholder.close()


class TrackingHTTPServer(ThreadingHTTPServer):
    """Remembers its open connections so that `drop_connections` can cut them (receiver down)."""

    def __init__(self, *args, **kwargs):
        self.connections = set()
        self.connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address):
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self):
        with self.connections_lock:
            connections, self.connections = list(self.connections), set()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def make_admin_handler(store, listener, plans=None):
    class AdminHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, body, status=200):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            query = urllib.parse.parse_qs(url.query)
            rtype = (query.get("type") or ["Observation"])[0]
            with store.lock:
                if url.path == "/stats":
                    body = dict(store.stats)
                    body["resources"] = {t: len(r) for t, r in store.resources.items()}
                    body["scriptRemaining"] = len(store.script)
                    body["listening"] = listener.server is not None
                    self.reply(body)
                elif url.path == "/identifiers":
                    self.reply({ident: count for (t, ident), count in store.creations.items() if t == rtype})
                elif url.path == "/created":
                    self.reply({ident: at for (t, ident), at in store.created_at.items() if t == rtype})
                elif url.path == "/updates":
                    self.reply({ident: count for (t, ident), count in store.updates.items() if t == rtype})
                elif url.path == "/violations":
                    self.reply(list(store.violations))
                elif url.path == "/resources":
                    self.reply(list(store.resources.get(rtype, {}).values()))
                elif url.path == "/plan-stats" and plans is not None:
                    self.reply(dict(plans.stats))
                else:
                    self.reply({"error": "unknown path"}, 404)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if self.path == "/faults":
                with store.lock:
                    if body.get("clear"):
                        store.script.clear()
                        store.reject.clear()
                    store.script.extend(body.get("script", []))
                    store.reject.update(body.get("rejectIdentifiers", []))
                if any(step.get("action") == "gzip-bomb" for step in body.get("script", [])):
                    gzip_bomb()  # built now, so that the answer itself is not slow
                self.reply({"ok": True})
            elif self.path == "/publish" and plans is not None:
                self.reply(plans.publish(body))
            elif self.path == "/down":
                listener.stop()
                self.reply({"ok": True})
            elif self.path == "/up":
                listener.start()
                self.reply({"ok": True, "port": listener.port})
            else:
                self.reply({"error": "unknown path"}, 404)

    return AdminHandler


def main(argv=None, announce=None):
    """Runs the receiver with the command-line arguments `argv` (default: sys.argv[1:]); `announce` gets the
    announcement line (default: printed on stdout). receiver_zygote.py calls this in each forked receiver."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--admin-port", type=int, default=0)
    parser.add_argument("--cert", help="PEM server certificate (enables https)")
    parser.add_argument("--key", help="PEM server key")
    parser.add_argument("--client-ca", help="require client certificates signed by this CA")
    parser.add_argument("--token", help="require 'Authorization: Bearer <token>'")
    parser.add_argument("--state", help="also keep the resources in this JSON file")
    parser.add_argument("--strict-phd", action="store_true",
                        help="reject (422) Bundles with a resource that violates FHIR R4/PHD IG 2.0.0 rules")
    parser.add_argument("--token-issuer-key", help="accept only access tokens signed by this key (token_service.py)")
    parser.add_argument("--token-audience", default="dho-centre", help="the aud those tokens must carry")
    parser.add_argument("--require-dpop-nonce", action="store_true", help="DPoP proofs must carry this server's nonce")
    parser.add_argument("--clock-offset", type=float, default=0.0, help="seconds this server's clock is off")
    args = parser.parse_args(argv)
    # A parent that blocks signals in its threads (Swift's Foundation.Process does) passes the mask on:
    # unblock them so that the test harness can stop us with SIGTERM, and exit cleanly on it.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))

    store = Store(args.state)
    if args.strict_phd:
        # Beside this file; needs fhir.resources (scripts/ensure-deps). Failing here, before the announcement
        # line, makes a test that asked for strict mode fail at once instead of silently checking nothing.
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from phd_conformance import bundle_violations
        store.checker = bundle_violations
        # Build the models' validators now, not while the first Bundle waits for its answer.
        bundle_violations({"entry": [{"resource": {"resourceType": name}} for name in ("Observation", "Device", "Flag", "Task")]})
    plans = PublishedPlans()
    access = (AccessPolicy(args.token_issuer_key, args.token_audience, args.require_dpop_nonce, args.clock_offset)
              if args.token_issuer_key else None)
    context = None
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        if args.client_ca:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(args.client_ca)
    listener = FHIRListener(args.host, args.port, make_fhir_handler(store, args.token, access, plans), context)
    admin = ThreadingHTTPServer(("127.0.0.1", args.admin_port), make_admin_handler(store, listener, plans))
    admin.daemon_threads = True
    announcement = json.dumps({"port": listener.port, "adminPort": admin.server_address[1],
                               "scheme": "https" if context else "http"})
    if announce is None:
        print(announcement, flush=True)
    else:
        announce(announcement)
    try:
        admin.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
