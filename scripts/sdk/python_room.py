#!/usr/bin/env python3
"""Fidelity checks of the fake LiveKit server with LiveKit's own Python server SDK.

The Python `livekit-api` package speaks protobuf Twirp, like the Rust crate.

Usage: python_room.py [URL KEY SECRET]   (defaults: $LIVEKIT_URL, $LIVEKIT_API_KEY, $LIVEKIT_API_SECRET)
Optional: $ONLY_WEBHOOKS=1  skip the API checks (only verify $WEBHOOKS_FILE);
          $WEBHOOKS_FILE  a JSON list of {"body", "authorization"} webhooks emitted by the fake,
          verified with the SDK's WebhookReceiver (and rejected once tampered with);
          $SIGNED_WEBHOOK_OUT  where to write a webhook signed by the SDK's own machinery
          ({"body", "authorization"}), for the Rust side to verify.
Exits non-zero, listing every mismatch, if the fake does not behave like livekit-server.
"""

import asyncio
import base64
import datetime
import hashlib
import json
import os
import sys
import urllib.request

from livekit import api

URL, KEY, SECRET = (sys.argv[1:4] if len(sys.argv) >= 4 else
                    (os.environ.get("LIVEKIT_URL", ""), os.environ.get("LIVEKIT_API_KEY", ""),
                     os.environ.get("LIVEKIT_API_SECRET", "")))
MISMATCHES = []


def check(ok, what):
    print(("ok       " if ok else "MISMATCH ") + what)
    if not ok:
        MISMATCHES.append(what)


def control(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(URL + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as resp:
        raw = resp.read()
        return json.loads(raw) if raw else None


async def expect_twirp_error(coro, code, status, message=None):
    try:
        await coro
    except api.TwirpError as e:
        ok = e.code == code and e.status == status and (message is None or e.message == message)
        return ok, f"{e.code}/{e.status}/{e.message!r}"
    return False, "no error"


async def rooms(lk):
    name = "py-room"
    room = await lk.room.create_room(api.CreateRoomRequest(
        name=name, empty_timeout=300, max_participants=100, metadata="m"))
    check(room.sid.startswith("RM_") and room.name == name and room.metadata == "m",
          f"create_room returns the room ({room.sid})")
    again = await lk.room.create_room(api.CreateRoomRequest(name=name))
    check(again.sid == room.sid, "create_room is idempotent")
    listed = (await lk.room.list_rooms(api.ListRoomsRequest(names=[name, "py-missing"]))).rooms
    check([r.name for r in listed] == [name], "list_rooms filters by names")
    everything = (await lk.room.list_rooms(api.ListRoomsRequest())).rooms
    check(name in [r.name for r in everything], "list_rooms lists all rooms")

    unknown = (await lk.room.list_participants(api.ListParticipantsRequest(room="py-unknown"))).participants
    check(len(unknown) == 0, "list_participants of an unknown room is empty (as livekit-server)")
    ok, got = await expect_twirp_error(
        lk.room.get_participant(api.RoomParticipantIdentity(room=name, identity="ghost")),
        "not_found", 404, "participant does not exist")
    check(ok, f"get_participant of an unknown identity is not_found/404 ({got})")

    alice = control("POST", f"/fake/rooms/{name}/participants",
                    {"identity": "alice", "name": "Alice", "attributes": {"role": "host"}})
    track = control("POST", f"/fake/rooms/{name}/participants/alice/tracks", {"type": "audio"})
    participants = (await lk.room.list_participants(api.ListParticipantsRequest(room=name))).participants
    check([p.identity for p in participants] == ["alice"] and participants[0].sid == alice["sid"],
          "a participant added through the control API is listed")
    got = await lk.room.get_participant(api.RoomParticipantIdentity(room=name, identity="alice"))
    check(got.name == "Alice" and dict(got.attributes) == {"role": "host"}
          and got.state == api.ParticipantInfo.State.ACTIVE, "get_participant returns it")
    muted = await lk.room.mute_published_track(api.MuteRoomTrackRequest(
        room=name, identity="alice", track_sid=track["sid"], muted=True))
    check(muted.track.sid == track["sid"] and muted.track.muted, "mute_published_track returns the track")
    updated = await lk.room.update_participant(api.UpdateParticipantRequest(
        room=name, identity="alice", metadata="x", attributes={"role": "", "hand": "up"}))
    check(updated.metadata == "x" and dict(updated.attributes) == {"hand": "up"},
          "update_participant merges attributes")
    await lk.room.send_data(api.SendDataRequest(room=name, data=b"hi", topic="chat",
                                                kind=api.DataPacket.Kind.RELIABLE))
    sent = control("GET", f"/fake/rooms/{name}/data")
    check(len(sent) == 1 and sent[0]["dataUtf8"] == "hi" and sent[0]["topic"] == "chat",
          "send_data is recorded")
    return name


async def egress_and_sip(lk, name):
    info = await lk.egress.start_room_composite_egress(api.RoomCompositeEgressRequest(
        room_name=name, layout="speaker-light", audio_only=True,
        file_outputs=[api.EncodedFileOutput(file_type=api.EncodedFileType.OGG, filepath="rec.ogg")]))
    check(info.egress_id.startswith("EG_") and info.status == api.EgressStatus.EGRESS_STARTING
          and info.room_composite.audio_only, "start_room_composite_egress (protobuf) echoes the request")
    items = (await lk.egress.list_egress(api.ListEgressRequest(room_name=name))).items
    check([i.egress_id for i in items] == [info.egress_id], "list_egress filters by room")
    ok, got = await expect_twirp_error(
        lk.egress.stop_egress(api.StopEgressRequest(egress_id="EG_nope")), "not_found", 404,
        "egress does not exist")
    check(ok, f"stop_egress of an unknown id is not_found ({got})")
    ok, got = await expect_twirp_error(
        lk.egress.start_room_composite_egress(api.RoomCompositeEgressRequest(room_name="py-nowhere")),
        "not_found", 404, "requested room does not exist")
    check(ok, f"egress for an unknown room is not_found ({got})")

    trunk = await lk.sip.create_inbound_trunk(api.CreateSIPInboundTrunkRequest(
        trunk=api.SIPInboundTrunkInfo(name="py", numbers=["+15557777"])))
    check(trunk.sip_trunk_id.startswith("ST_"), "create_inbound_trunk assigns an ST_ id")
    trunks = (await lk.sip.list_inbound_trunk(api.ListSIPInboundTrunkRequest())).items
    check([t.sip_trunk_id for t in trunks] == [trunk.sip_trunk_id], "list_inbound_trunk")
    rule = await lk.sip.create_dispatch_rule(api.CreateSIPDispatchRuleRequest(
        rule=api.SIPDispatchRule(dispatch_rule_direct=api.SIPDispatchRuleDirect(room_name=name)),
        trunk_ids=[trunk.sip_trunk_id]))
    check(rule.sip_dispatch_rule_id.startswith("SDR_"), "create_dispatch_rule assigns an SDR_ id")
    await lk.sip.delete_dispatch_rule(api.DeleteSIPDispatchRuleRequest(
        sip_dispatch_rule_id=rule.sip_dispatch_rule_id))
    await lk.sip.delete_trunk(api.DeleteSIPTrunkRequest(sip_trunk_id=trunk.sip_trunk_id))


async def main():
    if not (URL and KEY and SECRET):
        print("usage: python_room.py URL KEY SECRET (or LIVEKIT_URL/LIVEKIT_API_KEY/LIVEKIT_API_SECRET)")
        return 2
    if os.environ.get("ONLY_WEBHOOKS"):
        verify_webhooks()
        return report()
    async with api.LiveKitAPI(URL, KEY, SECRET) as lk:
        await lk.room.list_rooms(api.ListRoomsRequest())
        name = await rooms(lk)
        await egress_and_sip(lk, name)
        await lk.room.delete_room(api.DeleteRoomRequest(room=name))
        ok, got = await expect_twirp_error(lk.room.delete_room(api.DeleteRoomRequest(room=name)),
                                           "not_found", 404, "requested room does not exist")
        check(ok, f"delete_room of a missing room is not_found/404 ({got})")
    async with api.LiveKitAPI(URL, KEY, "wrong-secret-wrong-secret-wrong-0") as bad:
        ok, got = await expect_twirp_error(bad.room.list_rooms(api.ListRoomsRequest()), "unknown", 401)
        check(ok, f"a bad secret is a plain-text 401 the SDK reports as unknown/401 ({got})")
    verify_webhooks()
    sign_webhook()
    return report()


def report():
    if MISMATCHES:
        print(f"python SDK: {len(MISMATCHES)} mismatch(es) with livekit-server behaviour:")
        for m in MISMATCHES:
            print("  - " + m)
        return 1
    print("python SDK: all checks passed")
    return 0


def verify_webhooks():
    path = os.environ.get("WEBHOOKS_FILE")
    if not path:
        return
    with open(path) as f:
        hooks = json.load(f)
    receiver = api.WebhookReceiver(api.TokenVerifier(KEY, SECRET))
    events = []
    for hook in hooks:
        try:
            events.append(receiver.receive(hook["body"], hook["authorization"]).event)
        except Exception as e:  # noqa: BLE001
            check(False, f"webhook verifies with the Python WebhookReceiver ({e})")
    check(len(hooks) > 0 and len(events) == len(hooks),
          f"{len(events)} webhooks from the fake verify with the Python WebhookReceiver ({events})")
    if hooks:
        try:
            receiver.receive(hooks[0]["body"] + " ", hooks[0]["authorization"])
            check(False, "a tampered webhook is rejected by the Python WebhookReceiver")
        except Exception:  # noqa: BLE001
            check(True, "a tampered webhook is rejected by the Python WebhookReceiver")


def sign_webhook():
    out = os.environ.get("SIGNED_WEBHOOK_OUT")
    if not out:
        return
    event = {"event": "room_started", "id": "EV_python", "createdAt": "1700000000",
             "room": {"sid": "RM_python", "name": "py-signed", "creationTime": "1700000000"}}
    body = json.dumps(event)
    sha = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    auth = (api.AccessToken(KEY, SECRET).with_ttl(datetime.timedelta(minutes=5))
            .with_sha256(sha).to_jwt())
    with open(out, "w") as f:
        json.dump({"body": body, "authorization": auth}, f)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
