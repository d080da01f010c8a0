#!/usr/bin/env python3
"""Cross-check: verifies Anteroom's LiveKit join tokens with the Python `livekit-api` SDK.

Reads JSON on stdin: {"key", "secret", "cases": [{"label", "token", "expect": {...}}]}
where `expect` holds identity, name, room, room_admin, sources, can_publish, attributes.
Prints one line per case and exits 1 when any case fails (tests: crates/livekit/tests/sdk_crosscheck.rs).
"""
import json
import sys

from livekit import api


def check(verifier, case):
    claims = verifier.verify(case["token"])
    expect = case["expect"]
    video = claims.video
    problems = []

    def same(what, got, want):
        if got != want:
            problems.append(f"{what}: got {got!r}, want {want!r}")

    same("identity", claims.identity, expect["identity"])
    same("name", claims.name, expect["name"])
    same("room", video.room, expect["room"])
    same("roomJoin", video.room_join, True)
    same("roomAdmin", bool(video.room_admin), expect["room_admin"])
    same("canPublishSources", list(video.can_publish_sources or []), expect["sources"])
    same("canPublish", video.can_publish, expect["can_publish"])
    same("canSubscribe", video.can_subscribe, True)
    same("canPublishData", video.can_publish_data, True)
    same("canUpdateOwnMetadata", video.can_update_own_metadata, False)
    for power in ("hidden", "recorder", "agent", "room_create", "room_list", "room_record"):
        same(power, bool(getattr(video, power, False)), False)
    same("attributes", dict(claims.attributes or {}), expect["attributes"])
    return problems


def main():
    request = json.load(sys.stdin)
    verifier = api.TokenVerifier(request["key"], request["secret"])
    failed = 0
    for case in request["cases"]:
        try:
            problems = check(verifier, case)
        except Exception as error:  # noqa: BLE001 - any SDK refusal is a failure to report
            problems = [f"verify raised {type(error).__name__}: {error}"]
        if problems:
            failed += 1
            print(f"FAIL python {case['label']}: " + "; ".join(problems))
        else:
            print(f"ok python {case['label']}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
