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
