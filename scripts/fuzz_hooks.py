"""Schemathesis hooks for the journey pass of scripts/fuzz-api.

Random CPR numbers and Idempotency-Keys collide: after the first few cases every generated
applicant "already has an open case" (409) and every key "was used for another request" (422),
which is right, but stops the walk at its first step. For the journey pass only, each opened
case gets a fresh adult applicant (and each holder a fresh adult holder) and each Idempotency-Key
a fresh UUID; everything else is generated and fuzzed as usual. Only values the document allows
are substituted, so every check still applies.
"""

import itertools
import random
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
    if case.operation.path.endswith("/accompanying-holder") and isinstance(body.get("holder"), dict):
        body["holder"]["cpr"] = _fresh_cpr(10)
