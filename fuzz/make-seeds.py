#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/seeds/<target>/.

The Voucherify seeds are the core test fixtures (core/tests/fixtures/voucherify); the Exact
Payments seeds are the examples of the vendor's OpenAPI document, as the core tests use them.
Each response is encoded in the input format of fuzz/src/lib.rs:
    [status u16 BE][content type selector u8][header block length u8][header block][body]
Run it again after adding a fixture; the seeds are committed.
"""
import hashlib
import json
import os
import pathlib
import struct
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent
FIXTURES = ROOT.parent / "core" / "tests" / "fixtures" / "voucherify"
SEEDS = ROOT / "seeds"

JSON, JSON_UTF8, TEXT, TEXT_UTF8, HTML = 0, 1, 2, 3, 4
NONE = 0xFF


def encode(status, content_type, headers, body):
    block = b"\n".join(f"{n}:{v}".encode() for n, v in headers)
    assert len(block) <= 255
    if isinstance(body, str):
        body = body.encode()
    return struct.pack(">HBB", status, content_type, len(block)) + block + body


def write(target, data):
    folder = SEEDS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def fixture(name):
    return (FIXTURES / name).read_bytes()


HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\r\n"
RATE = [("retry-after", "3"), ("x-rate-limit-limit", "100"), ("x-rate-limit-remaining", "0"),
        ("x-rate-limit-retry", "1738945086"), ("x-rate-limit-type", "requests")]

# Voucherify: every fixture to every operation, and the statuses each documents.
voucherify = [
    (200, JSON, [], fixture("generate_200.json")),
    (400, JSON, [], fixture("generate_400_invalid_grant_type.json")),
    (400, JSON, [], fixture("generate_400_invalid_scope.json")),
    (200, JSON, [], fixture("introspect_200_active.json")),
    (200, JSON, [], fixture("introspect_200_inactive.json")),
    (400, JSON, [], fixture("introspect_400_missing_parameters.json")),
    (401, JSON, [], fixture("error_401.json")),
    (429, JSON_UTF8, RATE, fixture("error_429.json")),
    (429, JSON, [("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")], fixture("error_429.json")),
    (204, NONE, [], b""),
    (404, NONE, [], b""),
    (502, HTML, [], HTML_502),
]
for target in ["voucherify_generate", "voucherify_introspect", "voucherify_revoke"]:
    for seed in voucherify:
        write(target, encode(*seed))

ORDER_TOKEN = '{"accessToken":{"token":"Oyen7ydZcNHrxk4x","expiresAt":"2023-07-26T23:32:32.000Z"}}'
ORDER_403 = '{"code":"payments-forbidden-error","message":"You do not have permission to access this resource.","type":"authorization-error","requestId":"bcc78633-cd09-4e7d-8f3b-d593fdc1439c"}'
ORDER_404 = '{"type":"api-error","code":"order-validation-error","message":"Failed to get order details.","requestId":"bcc78633-cd09-4e7d-8f3b-d593fdc1439c","metadata":{"message":{"messages":["Unable to find specified order.","Order does not exist"]}}}'
ORDER_503 = '{"code":"unhandled","message":"Service Unavailable","type":"custom-error","requestId":"r"}'
for seed in [
    (201, JSON, [], ORDER_TOKEN),
    (201, JSON_UTF8, [], ORDER_TOKEN.replace(".000Z", "+02:00")),
    (403, JSON, [], ORDER_403),
    (404, JSON, [], ORDER_404),
    (500, JSON, [], ORDER_503.replace("Service Unavailable", "CastError")),
    (503, JSON, [], ORDER_503),
    (502, HTML, [], HTML_502),
]:
    write("exact_order", encode(*seed))

USER_TOKEN = json.dumps({
    "isAuthenticated": True, "mode": "live", "token": "bbf96d9ceafadca6614350066c93e4dbea4d44f6",
    "type": "user", "user": "64b04d6d198ce11d0d64ca29", "application": "admin-pwa",
    "account": "64b04d6d198ce11d0d64ca2a", "accountType": "merchant",
    "allowedPermissions": ["charges.create", "charges.read"], "allowedAccounts": ["64b04d6d198ce11d0d64ca2a"],
    "apiVersion": "2", "expiresAt": "2023-07-26T23:32:32.000Z"})
ZOD = '{"issues":[{"code":"invalid_type","expected":"string","received":"undefined","path":["email"],"message":"Required"}],"name":"ZodError"}'
text_errors = [(status, TEXT, [], msg) for status, msg in
               [(401, "Unauthorized"), (403, "Forbidden"), (404, "Not Found"), (423, "Locked"),
                (500, "Internal Server Error"), (503, "Service Unavailable")]]
for seed in [(201, JSON, [], USER_TOKEN), (201, JSON, [], '{"token":"abc123"}'), (400, JSON, [], ZOD),
             (400, JSON, [], '[{"code":"too_small","path":["password"],"message":"too short"}]')] + text_errors:
    write("exact_user_token", encode(*seed))

APP_TOKEN = json.dumps({
    "id": "64b6d9ad24f5773308785e70", "label": "Transactions Application Token", "type": "application",
    "token": "bbf96d9ceafadca6614350066c93e4dbea4d44f6634cc9b1", "allowedPermissions": ["charges.create", "teleport.create"],
    "allowedAccounts": ["64b04d6d198ce11d0d64ca2a"]})
for seed in [(201, JSON, [], APP_TOKEN), (400, JSON, [], ZOD)] + text_errors:
    write("exact_application_token", encode(*seed))

LIST = json.dumps([
    {"id": "64b6d9ad24f5773308785e70", "label": "Transactions Application Token", "type": "application",
     "allowedPermissions": ["charges.create"], "createdAt": "2022-01-24T15:05:18.262Z"},
    {"id": "64b6d9ad24f5773308785e71", "allowedPermissions": ["teleport.create"]}])
for seed in [(200, JSON_UTF8, [("x-total-count", "250")], LIST), (200, JSON, [], "[]"),
             (401, NONE, [], ""), (404, TEXT, [], "Not Found")] + text_errors:
    write("exact_list", encode(*seed))

for seed in [(204, NONE, [], "")] + text_errors:
    write("exact_delete", encode(*seed))

# Hostile servers: error bodies that echo the secrets each operation sent (as fuzz/src/lib.rs
# names them), raw, JSON-escaped, percent-encoded and in a validation error with many issues;
# secrets in a header name and in the content type; two conflicting content types (JSON, then
# HTML); and a huge validation error.
SECRET_KEY, API_KEY, PASSWORD, TOKEN = "fuzz-secret", "fuzz-key", "fuzz-password", "fuzz-token"


def json_escaped(secret):
    """`fuzz\u002dsecret`: what a JSON writer that escapes more than it must sends."""
    return secret.replace("-", "\\u002d")


def echoes(secrets):
    """Each secret raw, percent-encoded (minimal, then every `-` too) and in a form body."""
    out = []
    for secret in secrets:
        out += [secret, urllib.parse.quote(secret, safe=""), secret.replace("-", "%2D"),
                f"access_token={urllib.parse.quote_plus(secret)}&x=1"]
    out.append(" and ".join(secrets))
    return out


def json_echo_body(template, secrets):
    """`template` (a dict whose string values may hold `{echo}`) as JSON, once with each secret
    raw and once JSON-escaped (the escapes written into the text, so the JSON decodes them)."""
    bodies = []
    for echo in echoes(secrets):
        bodies.append(json.dumps(fill(template, echo)))
    marker = "ECHO"
    text = json.dumps(fill(template, marker))
    for secret in secrets:
        bodies.append(text.replace(marker, json_escaped(secret)))
    return bodies


def fill(value, echo):
    if isinstance(value, str):
        return value.replace("{echo}", echo)
    if isinstance(value, list):
        return [fill(v, echo) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, echo) for k, v in value.items()}
    return value


def hostile_headers(secrets, good_status, good_body):
    """A documented success with a secret as a header name and in the content type, and with
    two content types that disagree."""
    seeds = [(good_status, JSON, [("content-type", "text/html")], good_body),
             (good_status, NONE, [("content-type", "application/json"), ("content-type", "text/html")],
              good_body)]
    for secret in secrets:
        seeds += [(good_status, JSON, [(secret, "1")], good_body),
                  (good_status, NONE, [("content-type", f"text/html; {secret}")], good_body),
                  (good_status, NONE, [("content-type", f"application/json; charset={secret}")],
                   good_body)]
    return seeds


def zod(echo, count):
    """A validation error with `count` issues, each echoing."""
    issues = [{"code": "invalid_string", "path": ["password", i], "message": f"{echo} is weak",
               "expected": echo, "received": echo} for i in range(count)]
    issues.append({"code": echo, "path": [echo], "keys": [echo, "other"]})
    return {"issues": issues, "name": echo}


def huge_zod():
    """Many issues, the first ten (the ones a `Display` shows) longer than a preview, in
    characters of up to four bytes."""
    issues = [{"code": "custom", "path": ["x" * 201, "é" * 10], "message": "𝄞" * 201}
              for _ in range(10)]
    issues += [{"code": "too_small", "path": ["permissions", i], "message": "Required"}
               for i in range(100)]
    return json.dumps({"issues": issues, "name": "ZodError"}, ensure_ascii=False)


VOUCHERIFY_ERROR = {"code": 401, "key": "{echo}", "message": "Unauthorized: {echo}",
                    "details": "X-App-Token {echo} is not valid", "request_id": "{echo}",
                    "resource_id": "{echo}", "resource_type": "{echo}", "error": {"message": "{echo}"}}
VOUCHERIFY_TOKEN = {"access_token": "issued-token", "client_id": "{echo}", "expires_at": 1738945086,
                    "expires_in": 900, "scope": "vouchers {echo}", "token_type": "{echo}"}
for target, secrets in [("voucherify_generate", [SECRET_KEY]),
                        ("voucherify_introspect", [SECRET_KEY, TOKEN]),
                        ("voucherify_revoke", [SECRET_KEY, TOKEN])]:
    for status in [400, 401, 404, 429]:
        for body in json_echo_body(VOUCHERIFY_ERROR, secrets):
            write(target, encode(status, JSON, [], body))
    for body in json_echo_body(VOUCHERIFY_TOKEN, secrets)[:2]:
        write(target, encode(200, JSON, [], body))
    write(target, encode(200, JSON, [], json.dumps(dict(VOUCHERIFY_TOKEN, access_token=TOKEN,
                                                         client_id="c", scope="api", active=True))))
    for secret in secrets:
        write(target, encode(401, TEXT, [], f"bad X-App-Token {secret}"))
    for seed in hostile_headers(secrets, 200, fixture("generate_200.json")):
        write(target, encode(*seed))

ORDER_ERROR = {"code": "{echo}", "message": "Authorization {echo} is not valid", "type": "{echo}",
               "requestId": "{echo}",
               "metadata": {"message": {"messages": ["{echo}"] * 12 + ["Order does not exist."]}}}
for status in [403, 404, 500, 503]:
    for body in json_echo_body(ORDER_ERROR, [API_KEY]):
        write("exact_order", encode(status, JSON, [], body))
for seed in hostile_headers([API_KEY], 201, ORDER_TOKEN):
    write("exact_order", encode(*seed))

APP_TOKEN_ECHO = {"id": "{echo}", "label": "{echo}", "type": "{echo}", "token": "new-token",
                  "allowedPermissions": ["{echo}"], "allowedAccounts": ["{echo}"]}
USER_TOKEN_ECHO = {"token": "user-token", "user": "{echo}", "application": "{echo}", "account": "{echo}",
                   "mode": "{echo}", "accountType": "{echo}", "apiVersion": "{echo}",
                   "allowedAccounts": ["{echo}"], "allowedPermissions": ["{echo}"]}
LIST_ECHO = [{"id": "{echo}", "label": "{echo}", "type": "{echo}", "allowedPermissions": ["{echo}"],
              "createdAt": "{echo}"}]
for target, secret, success in [
    ("exact_user_token", PASSWORD, (201, USER_TOKEN_ECHO, USER_TOKEN)),
    ("exact_application_token", API_KEY, (201, APP_TOKEN_ECHO, APP_TOKEN)),
    ("exact_list", API_KEY, (200, LIST_ECHO, LIST)),
    ("exact_delete", API_KEY, None),
]:
    statuses = [401, 403, 404, 423, 500, 503] if target == "exact_user_token" else [401, 404, 500, 503]
    for status in statuses:
        for echo in echoes([secret]) + [json_escaped(secret)]:
            write(target, encode(status, TEXT, [], f"denied: {echo}"))
        if target == "exact_list":
            write(target, encode(status, HTML, [], f"<p>denied: {secret}</p>"))
    if target in ("exact_user_token", "exact_application_token"):
        for body in json_echo_body(zod("{echo}", 12), [secret]):
            write(target, encode(400, JSON, [], body))
        write(target, encode(400, JSON, [], json.dumps(zod(secret, 12)["issues"])))
        write(target, encode(400, JSON, [], huge_zod()))
    if target == "exact_user_token":
        sent = json.dumps({"email": "fuzz@example.com", "password": secret, "application": "app_fuzz"})
        write(target, encode(401, TEXT, [], f"bad login {sent}"))
    if success:
        status, template, good = success
        for body in json_echo_body(template, [secret])[:2]:
            write(target, encode(status, JSON, [], body))
        for seed in hostile_headers([secret], status, good):
            write(target, encode(*seed))
    else:
        for seed in hostile_headers([secret], 204, ""):
            write(target, encode(*seed))

# Scope sets: a mode byte (bit 0: JSON instead of wire strings, bit 1: Exact permissions), then
# two inputs separated by a NUL.
for mode, a, b in [
    (0, "vouchers campaigns", "api client_api"),
    (0, "vouchers  campaigns,brand-new", "client_vouchers\tclient_redemptions"),
    (1, '"vouchers campaigns"', '["api","vouchers","x y"]'),
    (2, "charges.create charges.read", "teleport.create"),
    (3, '["charges.create","charges.read"]', '"webhooks.read"'),
]:
    write("scope_set", bytes([mode]) + a.encode() + b"\0" + b.encode())

# Retry headers: values separated by newlines, assigned in turn to Retry-After,
# X-Rate-Limit-Retry, -Limit, -Remaining, -Type.
for values in [
    ["3", "1738945086", "100", "0", "requests"],
    ["Wed, 21 Oct 2015 07:28:00 GMT", "1738945086"],
    ["Sunday, 06-Nov-94 08:49:37 GMT"],
    ["Sun Nov  6 08:49:37 1994"],
    ["18446744073709551616", "18446744073709551615"],
    [" 120 ", " 42 "],
]:
    write("retry_headers", "\n".join(values).encode())

for value in ["2023-07-26T23:32:32.000Z", "2023-07-26T23:32:32Z", "2023-07-26T23:32:32+02:00",
              "2023-07-26t23:32:32.123456789-00:30", "1969-12-31T23:59:59.999Z", "9999-12-31T23:59:59Z",
              "0000-01-01T00:00:00Z", "2023-07-26T23:32:60Z"]:
    write("rfc3339", value.encode())

for stored in [
    {"format": 1, "access_token": "1ABCde2F", "scheme": "bearer",
     "grant": {"api": "voucherify", "scopes": "vouchers campaigns"},
     "obtained_at": 1738944186000, "expires_at": 1738945086000, "server_expires_at": 1738945086000},
    {"format": 1, "access_token": "Oyen7ydZcNHrxk4x", "scheme": "raw",
     "grant": {"api": "exact_order", "order_id": "ord_123"},
     "obtained_at": 1690411952000, "expires_at": 1690412852000},
    {"format": 2, "access_token": "x", "scheme": "bearer", "grant": {"api": "voucherify", "scopes": ""},
     "obtained_at": 0, "expires_at": 18446744073709551615, "server_expires_at": None},
]:
    write("token_store", json.dumps(stored).encode())
