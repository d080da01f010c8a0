#!/usr/bin/env python3
"""Cross-check: signs a LiveKit webhook the way the LiveKit server does, with the Python SDK.

Reads JSON on stdin: {"key", "secret", "event": {...}} where `event` is a WebhookEvent in
protojson form (camelCase, int64 as strings). Prints {"body", "authorization"}: the body as
sent and the bare JWT (AccessToken with sha256 = base64(sha256(body)), TTL 5 min, no
"Bearer"). Also checks that the SDK's own WebhookReceiver accepts it.
(tests: crates/livekit/tests/sdk_crosscheck.rs)
"""
import base64
import datetime
import hashlib
import json
import sys

from livekit import api


def main():
    request = json.load(sys.stdin)
    body = json.dumps(request["event"])
    digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    token = (
        api.AccessToken(request["key"], request["secret"])
        .with_ttl(datetime.timedelta(minutes=5))
        .with_sha256(digest)
        .to_jwt()
    )
    received = api.WebhookReceiver(api.TokenVerifier(request["key"], request["secret"])).receive(
        body, token
    )
    assert received.event == request["event"]["event"], received
    print(json.dumps({"body": body, "authorization": token}))


if __name__ == "__main__":
    main()
