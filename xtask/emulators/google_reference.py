"""Reference emulator of Google's OAuth 2.0 token endpoint, written from
Google's "Using OAuth 2.0 for Server to Server Applications" reference,
where no local server exists, and the front of the Google reference
emulator: the APIs it serves (Cloud DNS in google_dns.py, Compute Engine
in google_compute.py, its network load balancing in google_lb.py) accept
only tokens it issued, for a scope that covers them, as Google's do.

The token endpoint does what Google's does with a service account's JWT
bearer grant, checked independently of the Rust code that signs: the
assertion's RS256 signature is verified with the public half of the test
key (the key file is the second argument; the RSA arithmetic and the DER
reading are done here, in the standard library), `iss` must be the key's
`client_email`, `aud` the token URI, `scope` present, and `iat`/`exp` an
hour at most and current. The answers follow OAuth 2.0 (RFC 6749,
sections 5.1 and 5.2), which Google's reference points to: a token answer
`{"access_token", "expires_in": 3599, "token_type": "Bearer"}`, and a
refused grant 400 `{"error": "invalid_grant", "error_description": ...}`
(an unknown grant type: `unsupported_grant_type`). They were not compared
with a recorded Google answer (no account was available).

Usage: python3 google_reference.py PORT KEY_FILE
"""

import base64
import hashlib
import json
import sys
import time
from urllib.parse import parse_qs

import google_compute
import google_dns
import google_lb
from emulator import Reply, serve

# DigestInfo prefix of a SHA-256 hash in an RSASSA-PKCS1-v1_5 signature.
SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")
TOKENS = {}
ISSUED = [0]


def der_read(data, at):
    """One DER element at `at`: (tag, content, next position)."""
    tag = data[at]
    length = data[at + 1]
    at += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[at : at + count], "big")
        at += count
    return tag, data[at : at + length], at + length


def der_sequence(data):
    """The elements of a DER SEQUENCE's content."""
    items, at = [], 0
    while at < len(data):
        tag, content, at = der_read(data, at)
        items.append((tag, content))
    return items


def public_key(pem):
    """(n, e) of a PKCS#8 RSA private key in PEM."""
    body = "".join(line for line in pem.strip().splitlines() if not line.startswith("-----"))
    _, pkcs8, _ = der_read(base64.b64decode(body), 0)
    private = der_sequence(pkcs8)[2][1]  # version, algorithm, OCTET STRING
    _, rsa, _ = der_read(private, 0)
    fields = der_sequence(rsa)  # version, n, e, d, ...
    return int.from_bytes(fields[1][1], "big"), int.from_bytes(fields[2][1], "big")


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def refuse(description, error="invalid_grant"):
    raise Reply(400, {"error": error, "error_description": description})


def verify_assertion(assertion, key):
    """The JWT's claims, once its signature and claims hold."""
    n, e = key["n"], key["e"]
    parts = assertion.split(".")
    if len(parts) != 3:
        refuse("Invalid JWT: not three parts")
    try:
        header = json.loads(unb64(parts[0]))
        claims = json.loads(unb64(parts[1]))
        signature = unb64(parts[2])
    except ValueError:
        refuse("Invalid JWT: undecodable")
    if header.get("alg") != "RS256":
        refuse("Invalid JWT: alg must be RS256")
    size = (n.bit_length() + 7) // 8
    if len(signature) != size:
        refuse("Invalid JWT Signature.")
    encoded = pow(int.from_bytes(signature, "big"), e, n).to_bytes(size, "big")
    digest = hashlib.sha256(f"{parts[0]}.{parts[1]}".encode()).digest()
    padding = b"\xff" * (size - 3 - len(SHA256_PREFIX) - len(digest))
    if encoded != b"\x00\x01" + padding + b"\x00" + SHA256_PREFIX + digest:
        refuse("Invalid JWT Signature.")
    if header.get("kid") not in (None, key["kid"]):
        refuse("Invalid JWT: unknown key id")
    if claims.get("iss") != key["email"]:
        refuse("Invalid JWT: iss is not the service account")
    if claims.get("aud") != key["aud"]:
        refuse("Invalid JWT: aud is not the token URI")
    if not claims.get("scope"):
        refuse("Invalid JWT: no scope", "invalid_scope")
    now = time.time()
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int) or not isinstance(exp, int):
        refuse("Invalid JWT: iat and exp must be numbers")
    if exp - iat > 3600 or exp < now or iat > now + 300:
        refuse("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.")
    return claims


def route_token(request, key):
    if request.method != "POST":
        raise Reply(405, {"error": "invalid_request", "error_description": "POST only"})
    form = parse_qs(request.raw.decode("utf-8", "replace"))
    grant = form.get("grant_type", [""])[0]
    if grant != "urn:ietf:params:oauth:grant-type:jwt-bearer":
        refuse(f"Invalid grant_type: {grant}", "unsupported_grant_type")
    claims = verify_assertion(form.get("assertion", [""])[0], key)
    ISSUED[0] += 1
    token = f"ya29.emulator-{ISSUED[0]}"
    TOKENS[token] = claims["scope"]
    raise Reply(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})


def route_tokeninfo(request):
    """What `oauth2.googleapis.com/tokeninfo` says of a token: its scope
    (how a test sees that a token was issued here, for what)."""
    token = request.arg("access_token", "")
    if token not in TOKENS:
        raise Reply(400, {"error": "invalid_token", "error_description": "Invalid Value"})
    raise Reply(200, {"scope": TOKENS[token], "expires_in": 3599})


# The scopes each API accepts besides cloud-platform.
API_SCOPES = {
    "dns": "https://www.googleapis.com/auth/ndev.clouddns.readwrite",
    "compute": "https://www.googleapis.com/auth/compute",
}
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"


def authorize(request, api):
    """Refuses a request without a token this emulator issued for a scope
    covering `api`, in Google's words."""
    header = request.headers.get("Authorization") or ""
    token = header[len("Bearer "):] if header.startswith("Bearer ") else None
    if token not in TOKENS:
        message = ("Request had invalid authentication credentials. Expected OAuth 2 access "
                   "token, login cookie or other valid authentication credential.")
        raise Reply(401, {"error": {
            "code": 401, "message": message,
            "errors": [{"message": "Invalid Credentials", "domain": "global",
                        "reason": "authError", "location": "Authorization",
                        "locationType": "header"}],
            "status": "UNAUTHENTICATED"}}, {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'})
    if not {CLOUD_PLATFORM, API_SCOPES[api]} & set(TOKENS[token].split()):
        message = "Request had insufficient authentication scopes."
        raise Reply(403, {"error": {
            "code": 403, "message": message,
            "errors": [{"message": "Insufficient Permission", "domain": "global",
                        "reason": "insufficientPermissions"}],
            "status": "PERMISSION_DENIED"}})


def main():
    with open(sys.argv[2]) as file:
        account = json.load(file)
    n, e = public_key(account["private_key"])
    port = int(sys.argv[1])
    key = {
        "n": n,
        "e": e,
        "kid": account.get("private_key_id"),
        "email": account["client_email"],
        "aud": f"http://127.0.0.1:{port}/token",
    }

    def route(request):
        if request.path_only == "/token":
            route_token(request, key)
        if request.path_only == "/tokeninfo":
            route_tokeninfo(request)
        if request.parts[:3] == ["dns", "v1", "projects"] and len(request.parts) > 3:
            authorize(request, "dns")
            body = request.json(google_dns.error(400, "parseError", "Parse Error"))
            google_dns.route(request, request.parts[3:], body)
        if request.parts[:3] == ["compute", "v1", "projects"] and len(request.parts) > 3:
            authorize(request, "compute")
            body = request.json(google_dns.error(400, "parseError", "Parse Error"))
            google_lb.route(request, request.parts[3:], body)
            google_compute.route(request, request.parts[3:], body)

    serve("google-reference", route, decode_parts=True)


if __name__ == "__main__":
    main()
