"""Strict checks of DPoP proofs (RFC 9449) and of the access tokens the test token service issues, shared by
Tests/peers/token_service.py and the reference receiver (fhir_receiver.py --token-issuer-key).

Built on jwcrypto (PyPI), an implementation independent of the gateway's Swift code: what the gateway signs is
verified by someone else's JOSE library.
"""
import base64
import hashlib
import json
import threading
import time

from jwcrypto import jwk, jws
from jwcrypto.common import JWException

ALGORITHMS = ["RS256", "PS256", "ES256"]
# How far an iat may be from the server's clock (RFC 9449 §11.1 leaves it to the server; a minute is common).
IAT_WINDOW = 60


class Refused(Exception):
    def __init__(self, error, description, nonce=None):
        super().__init__(description)
        self.error, self.description, self.nonce = error, description, nonce


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def decode_segment(segment):
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def verify_jws(compact, key, allowed=ALGORITHMS):
    """The claims of a compact JWS signed by `key` with one of `allowed`; Refused otherwise."""
    try:
        header = decode_segment(compact.split(".")[0])
    except (ValueError, IndexError):
        raise Refused("invalid_request", "not a compact JWS")
    if header.get("alg") not in allowed:
        raise Refused("invalid_request", f"alg {header.get('alg')!r} is not allowed")
    token = jws.JWS()
    try:
        token.deserialize(compact)
        token.verify(key, alg=header["alg"])
    except (JWException, ValueError) as error:
        raise Refused("invalid_request", f"signature does not verify: {error}")
    try:
        return header, json.loads(token.payload)
    except ValueError:
        raise Refused("invalid_request", "claims are not JSON")


class ReplayCache:
    """Seen jti values; a second use of one is a replay."""

    def __init__(self):
        self.seen, self.lock = set(), threading.Lock()

    def first_use(self, jti):
        with self.lock:
            if jti in self.seen:
                return False
            self.seen.add(jti)
            return True


class NonceIssuer:
    """Server-chosen DPoP nonces (RFC 9449 §8): the current one, rotated on demand."""

    def __init__(self, required):
        self.required, self.current, self.lock = required, None, threading.Lock()

    def rotate(self):
        with self.lock:
            self.current = b64url(hashlib.sha256(str(time.time_ns()).encode()).digest()[:12])
            return self.current


def verify_proof(proof, method, url, now, replays, nonces, access_token=None):
    """Checks a DPoP proof for one request; returns the JWK thumbprint of its key."""
    if not proof or "," in proof:
        raise Refused("invalid_dpop_proof", "exactly one DPoP header is required")
    try:
        header = decode_segment(proof.split(".")[0])
    except (ValueError, IndexError):
        raise Refused("invalid_dpop_proof", "the DPoP proof is not a compact JWS")
    if header.get("typ") != "dpop+jwt":
        raise Refused("invalid_dpop_proof", "typ must be dpop+jwt")
    public = header.get("jwk")
    if not isinstance(public, dict) or "d" in public or "p" in public:
        raise Refused("invalid_dpop_proof", "jwk must be a public key")
    key = jwk.JWK(**public)
    try:
        _, claims = verify_jws(proof, key)
    except Refused as refused:
        raise Refused("invalid_dpop_proof", refused.description)
    if claims.get("htm") != method:
        raise Refused("invalid_dpop_proof", f"htm {claims.get('htm')!r} is not {method}")
    if claims.get("htu") != url:
        raise Refused("invalid_dpop_proof", f"htu {claims.get('htu')!r} is not {url}")
    iat = claims.get("iat")
    if not isinstance(iat, int) or abs(iat - now) > IAT_WINDOW:
        raise Refused("invalid_dpop_proof", f"iat {iat} is not within {IAT_WINDOW} s of the server's time {int(now)}")
    if not isinstance(claims.get("jti"), str) or not replays.first_use(claims["jti"]):
        raise Refused("invalid_dpop_proof", "jti missing or replayed")
    if access_token is not None:
        expected = b64url(hashlib.sha256(access_token.encode()).digest())
        if claims.get("ath") != expected:
            raise Refused("invalid_dpop_proof", "ath does not match the access token")
    if nonces.required and (nonces.current is None or claims.get("nonce") != nonces.current):
        raise Refused("use_dpop_nonce", "a DPoP nonce is required", nonce=nonces.current or nonces.rotate())
    return key.thumbprint()


def verify_access_token(token, issuer_key, audience, now):
    """The claims of an access token the test token service issued (a JWT it signed with ES256)."""
    try:
        _, claims = verify_jws(token, issuer_key, allowed=["ES256"])
    except Refused as refused:
        raise Refused("invalid_token", refused.description)
    if claims.get("aud") != audience:
        raise Refused("invalid_token", f"token audience {claims.get('aud')!r} is not {audience}")
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= now:
        raise Refused("invalid_token", "the access token has expired")
    return claims


def check_resource_request(headers, method, url, now, issuer_key, audience, replays, nonces):
    """What the FHIR receiver checks on each request when it accepts only tokens of the test token service.
    Raises Refused; returns the token's claims."""
    authorization = headers.get("Authorization") or ""
    scheme, _, token = authorization.partition(" ")
    if not token:
        raise Refused("invalid_token", "no access token")
    claims = verify_access_token(token, issuer_key, audience, now)
    bound = (claims.get("cnf") or {}).get("jkt")
    if scheme == "DPoP":
        thumbprint = verify_proof(headers.get("DPoP"), method, url, now, replays, nonces, access_token=token)
        if thumbprint != bound:
            raise Refused("invalid_token", "the DPoP proof's key is not the key the token is bound to")
    elif scheme == "Bearer":
        if bound:
            raise Refused("invalid_token", "a DPoP-bound token was sent as a bearer token")
    else:
        raise Refused("invalid_token", f"unknown authorization scheme {scheme!r}")
    return claims
