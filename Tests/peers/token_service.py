#!/usr/bin/env python3
"""A strict OAuth 2.0 token service on loopback, standing in for HelseID in the tests: the client-credentials
grant with `private_key_jwt` client authentication (RFC 7523, OpenID Connect Core §9) and DPoP-bound tokens
(RFC 9449). Every assertion and proof is verified with jwcrypto (signature with the registered key, iss/sub,
aud, lifetime <= 60 s, iat/nbf/exp against this server's clock, replayed jti, DPoP htm/htu/iat/jti/nonce).
Tokens are JWTs signed with this service's own ES256 key, bound to the DPoP key by cnf.jkt; the reference
receiver verifies them with --token-issuer-key.

  python3 token_service.py --client-id ID --client-key PUBLIC.pem --issuer-key-out ISSUER.pub.pem
      [--resource URL] [--token-lifetime S] [--require-nonce] [--require-dpop] [--clock-offset S]

prints {"port": ..., "adminPort": ..., "tokenURL": ...}. Admin port: GET /stats; POST /config with any of
{"tokenLifetime", "requireNonce", "clockOffset", "clientKey" (PEM text)}, POST /down, POST /up.
"""
import argparse
import json
import math
import os
import signal
import threading
import time
import urllib.parse
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from jwcrypto import jwk, jws

import dpop

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
LEEWAY = 10  # seconds of clock difference tolerated on nbf/iat/exp, as HelseID does (order of seconds)


class Service:
    def __init__(self, args):
        self.client_id = args.client_id
        self.client_key = load_key(open(args.client_key).read())
        self.resource = args.resource
        self.lifetime = args.token_lifetime
        self.require_dpop = args.require_dpop
        self.clock_offset = args.clock_offset
        self.nonces = dpop.NonceIssuer(args.require_nonce)
        self.assertion_replays = dpop.ReplayCache()
        self.proof_replays = dpop.ReplayCache()
        self.issuer_key = jwk.JWK.generate(kty="EC", crv="P-256")
        self.down = False
        self.lock = threading.Lock()
        self.stats = {"issued": 0, "refused": 0, "refusals": [], "requests": 0}
        self.token_url = None

    def now(self):
        return time.time() + self.clock_offset

    def refuse(self, error, description):
        with self.lock:
            self.stats["refused"] += 1
            self.stats["refusals"].append({"error": error, "description": description})

    def issue(self, form, headers):
        """The token response, or raises dpop.Refused."""
        if form.get("grant_type") != "client_credentials":
            raise dpop.Refused("unsupported_grant_type", "only client_credentials")
        if form.get("client_assertion_type") != ASSERTION_TYPE or not form.get("client_assertion"):
            raise dpop.Refused("invalid_client", "a private_key_jwt client assertion is required")
        now = self.now()
        try:
            header, claims = dpop.verify_jws(form["client_assertion"], self.client_key)
        except dpop.Refused as refused:
            raise dpop.Refused("invalid_client", refused.description)
        if claims.get("iss") != self.client_id or claims.get("sub") != self.client_id:
            raise dpop.Refused("invalid_client", "iss and sub must be the client id")
        if claims.get("aud") != self.token_url and self.token_url not in (claims.get("aud") or []):
            raise dpop.Refused("invalid_client", f"aud {claims.get('aud')!r} is not this token service")
        iat, exp, nbf = claims.get("iat"), claims.get("exp"), claims.get("nbf", claims.get("iat"))
        if not all(isinstance(value, int) for value in (iat, exp, nbf)):
            raise dpop.Refused("invalid_client", "iat, nbf and exp must be numbers")
        if exp - iat > 60:
            raise dpop.Refused("invalid_client", "the assertion is valid for more than 60 s")
        if nbf > now + LEEWAY or iat > now + LEEWAY:
            raise dpop.Refused("invalid_client", f"the assertion is not valid yet (iat {iat}, server time {int(now)})")
        if exp < now - LEEWAY:
            raise dpop.Refused("invalid_client", f"the assertion has expired (exp {exp}, server time {int(now)})")
        if not isinstance(claims.get("jti"), str) or not self.assertion_replays.first_use(claims["jti"]):
            raise dpop.Refused("invalid_client", "the assertion's jti is missing or was used before (replay)")
        if header.get("kid") is not None and not isinstance(header["kid"], str):
            raise dpop.Refused("invalid_client", "kid must be a string")
        thumbprint = None
        proof = headers.get("DPoP")
        if proof is not None or self.require_dpop:
            if proof is None:
                raise dpop.Refused("invalid_dpop_proof", "this service issues DPoP-bound tokens only")
            thumbprint = dpop.verify_proof(proof, "POST", self.token_url, now, self.proof_replays, self.nonces)
        claims = {"iss": self.token_url, "aud": self.resource, "client_id": self.client_id,
                  "scope": form.get("scope", ""), "iat": int(now),
                  # Rounded up: a token lives at least the expires_in it is announced with.
                  "exp": math.ceil(now) + self.lifetime,
                  "jti": dpop.b64url(os.urandom(12))}
        if thumbprint:
            claims["cnf"] = {"jkt": thumbprint}
        token = jws.JWS(json.dumps(claims).encode())
        token.add_signature(self.issuer_key, alg="ES256", protected=json.dumps({"alg": "ES256", "typ": "at+jwt"}))
        with self.lock:
            self.stats["issued"] += 1
        return {"access_token": token.serialize(compact=True), "token_type": "DPoP" if thumbprint else "Bearer",
                "expires_in": self.lifetime, "scope": form.get("scope", "")}


def load_key(text):
    text = text.strip()
    if text.startswith("{"):
        return jwk.JWK(**json.loads(text))
    return jwk.JWK.from_pem(text.encode())


def make_handler(service):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def date_time_string(self, timestamp=None):
            # The Date header shows this server's clock, skewed like the rest of it (--clock-offset).
            return formatdate(service.now(), usegmt=True)

        def answer(self, status, body, headers=None):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            with service.lock:
                service.stats["requests"] += 1
            if service.down:
                self.answer(503, {"error": "temporarily_unavailable"})
                return
            if self.path != "/connect/token":
                self.answer(404, {"error": "not_found"})
                return
            form = {key: values[0] for key, values in urllib.parse.parse_qs(raw.decode(errors="replace")).items()}
            try:
                self.answer(200, service.issue(form, self.headers))
            except dpop.Refused as refused:
                service.refuse(refused.error, refused.description)
                headers = {"DPoP-Nonce": refused.nonce} if refused.nonce else {}
                status = 401 if refused.error == "invalid_client" else 400
                self.answer(status, {"error": refused.error, "error_description": refused.description}, headers)

    return Handler


def make_admin_handler(service):
    class Admin(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, body):
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            with service.lock:
                self.reply(dict(service.stats))

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if self.path == "/down":
                service.down = True
            elif self.path == "/up":
                service.down = False
            elif self.path == "/config":
                if "tokenLifetime" in body:
                    service.lifetime = int(body["tokenLifetime"])
                if "requireNonce" in body:
                    service.nonces.required = bool(body["requireNonce"])
                if "clockOffset" in body:
                    service.clock_offset = float(body["clockOffset"])
                if "clientKey" in body:
                    service.client_key = load_key(body["clientKey"])
            self.reply({"ok": True})

    return Admin


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-key", required=True, help="the client's registered public key (PEM or JWK)")
    parser.add_argument("--issuer-key-out", required=True, help="write this service's public key (PEM) here")
    parser.add_argument("--resource", default="dho-centre", help="the aud of issued tokens")
    parser.add_argument("--token-lifetime", type=int, default=300)
    parser.add_argument("--require-nonce", action="store_true")
    parser.add_argument("--require-dpop", action="store_true")
    parser.add_argument("--clock-offset", type=float, default=0.0)
    args = parser.parse_args()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))

    service = Service(args)
    with open(args.issuer_key_out, "wb") as out:
        out.write(service.issuer_key.export_to_pem())
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(service))
    server.daemon_threads = True
    service.token_url = f"http://127.0.0.1:{server.server_address[1]}/connect/token"
    admin = ThreadingHTTPServer(("127.0.0.1", 0), make_admin_handler(service))
    admin.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"port": server.server_address[1], "adminPort": admin.server_address[1],
                      "tokenURL": service.token_url}), flush=True)
    admin.serve_forever()


if __name__ == "__main__":
    main()
