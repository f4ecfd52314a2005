"""Schemathesis hooks for the journey pass of scripts/fuzz-api.

Random CPR numbers and Idempotency-Keys collide: after the first few cases every generated
applicant "already has an open case" (409) and every key "was used for another request" (422),
which is right, but stops the walk at its first step. For the journey pass only, each opened
case gets a fresh adult applicant (and each holder a fresh adult holder) and each Idempotency-Key
a fresh UUID; everything else is generated and fuzzed as usual. Only values the document allows
are substituted, so every check still applies.

Service cases (`replacement_card`, `new_password`) are opened on a NemID of the applicant: for
each, a first issuance is first taken to an active NemID through the API (as the desk would have
done earlier) and the case is opened for that person and number, so the walk goes on through
the service case's own steps. First issuance never names a NemID.
"""

import itertools
import json
import os
import random
import urllib.request
import uuid

import schemathesis

# Several passes run against one database: each starts somewhere else in the sequence.
_serial = itertools.count(random.SystemRandom().randrange(1, 10**6))


def _fresh_cpr(first_year: int) -> str:
    """A valid CPR number of someone born 1900+first_year..+39, never the same twice."""
    n = next(_serial)
    day, month, year = n % 28 + 1, (n // 28) % 12 + 1, first_year + (n // 336) % 40
    # A 7th digit of 0-3 places the birth year in the 1900s whatever the two digits say.
    return f"{day:02d}{month:02d}{year:02d}-{n % 4000:04d}"


_PHOTO = {"type": "passport", "number": "P1234567", "expires_on": "2099-12-31", "issuing_country": "DK"}
_REASONS = ("lost", "stolen", "damaged", "used_up")


def _call(method, path, body, version=None):
    req = urllib.request.Request(
        os.environ["FUZZ_BASE"] + path,
        method=method,
        data=json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + os.environ["FUZZ_CLERK"], "Content-Type": "application/json"},
    )
    if version is not None:
        req.add_header("If-Match", f'"{version}"')
    with urllib.request.urlopen(req, timeout=10) as res:
        return json.load(res)


def _active_nemid(cpr: str) -> str:
    """A standard case for `cpr` walked to activation: the number of the person's active NemID."""
    applicant = {"cpr": cpr, "name": "Fuzz Holder",
                 "address": {"street": "Vestergade 1", "postal_code": "1456", "city": "København K", "country": "DK"}}
    c = _call("POST", "/api/v1/cases", {"kind": "standard", "applicant": applicant})
    steps = [("identity-check", {"photo_id": _PHOTO, "photo_matches": True, "health_card_presented": True,
                                 "health_card_cpr": cpr}),
             ("first-half", {}), ("second-half", {}), ("activation", {})]
    for action, body in steps:
        c = _call("POST", f"/api/v1/cases/{c['id']}/{action}", body, c["version"])
    return c["nemid_number"]


@schemathesis.hook
def before_call(ctx, case, kwargs):
    if case.headers:
        for name in list(case.headers):
            if name.lower() == "idempotency-key":
                case.headers[name] = str(uuid.uuid4())
    body = case.body
    if case.operation.method.upper() != "POST" or not isinstance(body, dict):
        return
    if case.operation.path == "/api/v1/cases" and isinstance(body.get("applicant"), dict):
        body["applicant"]["cpr"] = _fresh_cpr(50)
        if body.get("kind") in ("replacement_card", "new_password"):
            body["nemid_number"] = _active_nemid(body["applicant"]["cpr"])
            if body["kind"] == "replacement_card":
                body["reason"] = body.get("reason") if body.get("reason") in _REASONS else random.choice(_REASONS)
            else:
                body.pop("reason", None)
        else:
            body.pop("nemid_number", None)
            body.pop("reason", None)
    # Both identity routes: the link gives the photo-ID route with the applicant's health card;
    # some walks show secondary documents instead (one of them the same health card), so journeys
    # go on through post-both (or, with a postal block from the opening, hold-for-collection).
    # The photo-ID walks drop the other route's fields the generator may add.
    if case.operation.path.endswith("/identity-check") and isinstance(body.get("health_card_cpr"), str):
        if random.random() < 0.4:
            cpr = body["health_card_cpr"]
            body.clear()
            body.update({"route": "secondary_documents", "documents": [
                {"type": random.choice(["birth_certificate", "baptism_certificate", "name_certificate"]),
                 "shows_cpr": False},
                {"type": "health_card", "shows_cpr": True, "cpr": cpr}]})
        else:
            # A photo ID that passes (the fuzzed variants are the other phases' work), so walks
            # get past the identity check and on to the posting, holding and collecting steps.
            cpr = body["health_card_cpr"]
            body.clear()
            body.update({"photo_id": dict(_PHOTO), "photo_matches": True, "health_card_presented": True,
                         "health_card_cpr": cpr})
    if case.operation.path.endswith("/accompanying-holder") and isinstance(body.get("holder"), dict):
        body["holder"]["cpr"] = _fresh_cpr(10)
