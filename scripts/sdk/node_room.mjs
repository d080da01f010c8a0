#!/usr/bin/env node
// Fidelity checks of the fake LiveKit server with LiveKit's own Node server SDK.
//
// The npm `livekit-server-sdk` speaks JSON Twirp (camelCase requests, `fromJson` responses) and
// only parses errors whose content type is exactly `application/json`.
//
// Usage: node node_room.mjs [URL KEY SECRET]  (defaults: $LIVEKIT_URL, $LIVEKIT_API_KEY, $LIVEKIT_API_SECRET)
// The SDK is loaded from $LIVEKIT_SDK_NODE_DIR (default: target/sdk/node, see install.sh).
// Optional: $WEBHOOKS_FILE, a JSON list of {"body", "authorization"} webhooks emitted by the fake,
// verified with the SDK's WebhookReceiver (and rejected once tampered with).
// Exits non-zero, listing every mismatch, if the fake does not behave like livekit-server.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const sdkDir = process.env.LIVEKIT_SDK_NODE_DIR || path.join(here, '..', '..', 'target', 'sdk', 'node');
const require = createRequire(path.join(path.resolve(sdkDir), 'package.json'));
const sdk = require('livekit-server-sdk');
const { RoomServiceClient, EgressClient, SipClient, WebhookReceiver, EncodedFileOutput, EncodedFileType } = sdk;

const [url, key, secret] = process.argv.length >= 5
  ? process.argv.slice(2, 5)
  : [process.env.LIVEKIT_URL, process.env.LIVEKIT_API_KEY, process.env.LIVEKIT_API_SECRET];
const mismatches = [];

function check(ok, what) {
  console.log(`${ok ? 'ok      ' : 'MISMATCH'} ${what}`);
  if (!ok) mismatches.push(what);
}

async function control(method, route, body) {
  const res = await fetch(url + route, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

async function twirpError(promise) {
  try {
    await promise;
    return null;
  } catch (e) {
    return { code: e.code, status: e.status, message: e.message };
  }
}

async function main() {
  if (!url || !key || !secret) {
    console.log('usage: node node_room.mjs URL KEY SECRET');
    return 2;
  }
  const rooms = new RoomServiceClient(url, key, secret);
  const name = 'node-room';
  await rooms.listRooms();
  const room = await rooms.createRoom({ name, emptyTimeout: 120, maxParticipants: 10, metadata: 'm' });
  check(room.sid.startsWith('RM_') && room.name === name && room.emptyTimeout === 120 && room.metadata === 'm',
    `createRoom (JSON) returns the room (${room.sid})`);
  check(typeof room.creationTime === 'bigint' && room.creationTime > 0n, 'creationTime parses as int64');
  const listed = await rooms.listRooms([name, 'node-missing']);
  check(listed.length === 1 && listed[0].name === name, 'listRooms filters by names');
  const updated = await rooms.updateRoomMetadata(name, '{"k":1}');
  check(updated.metadata === '{"k":1}', 'updateRoomMetadata returns the room');

  check((await rooms.listParticipants('node-unknown')).length === 0,
    'listParticipants of an unknown room is empty (as livekit-server)');
  await control('POST', `/fake/rooms/${name}/participants`, { identity: 'bob', name: 'Bob', metadata: 'b' });
  const track = await control('POST', `/fake/rooms/${name}/participants/bob/tracks`, { type: 'video', source: 'camera' });
  const participants = await rooms.listParticipants(name);
  check(participants.length === 1 && participants[0].identity === 'bob' && participants[0].name === 'Bob',
    'a participant added through the control API is seen by the SDK');
  check(participants[0].tracks.length === 1 && participants[0].tracks[0].sid === track.sid,
    'its published track is listed');
  const bob = await rooms.getParticipant(name, 'bob');
  check(bob.metadata === 'b', 'getParticipant');
  const after = await rooms.updateParticipant(name, 'bob', { attributes: { hand: 'up' }, name: 'Robert' });
  check(after.name === 'Robert' && after.attributes.hand === 'up', 'updateParticipant (JSON)');
  const muted = await rooms.mutePublishedTrack(name, 'bob', track.sid, true);
  check(muted.sid === track.sid && muted.muted === true, 'mutePublishedTrack returns the track');

  let err = await twirpError(rooms.getParticipant(name, 'ghost'));
  check(err && err.code === 'not_found' && err.status === 404 && err.message === 'participant does not exist',
    `getParticipant of an unknown identity is not_found/404 (${JSON.stringify(err)})`);
  await rooms.removeParticipant(name, 'bob');
  err = await twirpError(rooms.removeParticipant(name, 'bob'));
  check(err && err.code === 'not_found' && err.status === 404, `removeParticipant twice is not_found (${JSON.stringify(err)})`);

  const egress = new EgressClient(url, key, secret);
  const info = await egress.startRoomCompositeEgress(
    name,
    { file: new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'node.mp4' }) },
    { layout: 'speaker-light' },
  );
  check(info.egressId.startsWith('EG_') && info.roomName === name, 'startRoomCompositeEgress (JSON)');
  const items = await egress.listEgress({ roomName: name });
  check(items.length === 1 && items[0].egressId === info.egressId, 'listEgress filters by room');

  const sip = new SipClient(url, key, secret);
  const trunk = await sip.createSipInboundTrunk('node', ['+15558888']);
  check(trunk.sipTrunkId.startsWith('ST_'), 'createSipInboundTrunk (JSON)');
  const trunks = await sip.listSipInboundTrunk();
  check(trunks.some((t) => t.sipTrunkId === trunk.sipTrunkId), 'listSipInboundTrunk');
  await sip.deleteSipTrunk(trunk.sipTrunkId);

  await rooms.deleteRoom(name);
  err = await twirpError(rooms.deleteRoom(name));
  check(err && err.code === 'not_found' && err.status === 404 && err.message === 'requested room does not exist',
    `deleteRoom of a missing room is not_found/404 (${JSON.stringify(err)})`);

  const limited = new RoomServiceClient(url, key, 'wrong-secret-wrong-secret-wrong-0');
  err = await twirpError(limited.listRooms());
  check(err && err.status === 401 && err.code === undefined && err.message.startsWith('invalid token: '),
    `a bad secret is a plain-text 401 the SDK reports as text (${JSON.stringify(err)})`);

  if (process.env.WEBHOOKS_FILE) {
    const hooks = JSON.parse(readFileSync(process.env.WEBHOOKS_FILE, 'utf8'));
    const receiver = new WebhookReceiver(key, secret);
    const events = [];
    for (const hook of hooks) {
      try {
        events.push((await receiver.receive(hook.body, hook.authorization)).event);
      } catch (e) {
        check(false, `webhook verifies with the Node WebhookReceiver (${e.message})`);
      }
    }
    check(hooks.length > 0 && events.length === hooks.length,
      `${events.length} webhooks from the fake verify with the Node WebhookReceiver (${events.join(',')})`);
    if (hooks.length > 0) {
      const tampered = await twirpError(receiver.receive(`${hooks[0].body} `, hooks[0].authorization));
      check(tampered !== null, 'a tampered webhook is rejected by the Node WebhookReceiver');
    }
  }

  if (mismatches.length > 0) {
    console.log(`node SDK: ${mismatches.length} mismatch(es) with livekit-server behaviour:`);
    for (const m of mismatches) console.log(`  - ${m}`);
    return 1;
  }
  console.log('node SDK: all checks passed');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`node SDK: unexpected failure: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  },
);
