// Cross-check: verifies Anteroom's LiveKit join tokens with the npm `livekit-server-sdk`.
//
// Usage: node verify_token.mjs <dir holding node_modules/livekit-server-sdk>
// Reads JSON on stdin: {"key", "secret", "cases": [{"label", "token", "expect": {...}}]}.
// Prints one line per case and exits 1 when any case fails
// (tests: crates/livekit/tests/sdk_crosscheck.rs).
import { createRequire } from 'node:module';
import path from 'node:path';

const sdkDir = process.argv[2];
if (!sdkDir) {
  console.error('usage: node verify_token.mjs <sdk dir>');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(sdkDir), 'package.json'));
const { TokenVerifier } = require('livekit-server-sdk');

let input = '';
for await (const chunk of process.stdin) input += chunk;
const request = JSON.parse(input);
const verifier = new TokenVerifier(request.key, request.secret);

function same(problems, what, got, want) {
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    problems.push(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
}

let failed = 0;
for (const { label, token, expect } of request.cases) {
  const problems = [];
  try {
    const claims = await verifier.verify(token);
    const video = claims.video ?? {};
    same(problems, 'identity', claims.sub, expect.identity);
    same(problems, 'name', claims.name, expect.name);
    same(problems, 'room', video.room, expect.room);
    same(problems, 'roomJoin', video.roomJoin, true);
    same(problems, 'roomAdmin', video.roomAdmin === true, expect.room_admin);
    same(problems, 'canPublishSources', video.canPublishSources ?? [], expect.sources);
    same(problems, 'canPublish', video.canPublish, expect.can_publish);
    same(problems, 'canSubscribe', video.canSubscribe, true);
    same(problems, 'canPublishData', video.canPublishData, true);
    same(problems, 'canUpdateOwnMetadata', video.canUpdateOwnMetadata, false);
    for (const power of ['hidden', 'recorder', 'agent', 'roomCreate', 'roomList', 'roomRecord']) {
      same(problems, power, video[power] === true, false);
    }
    const attributes = Object.fromEntries(Object.entries(claims.attributes ?? {}).sort());
    const wanted = Object.fromEntries(Object.entries(expect.attributes).sort());
    same(problems, 'attributes', attributes, wanted);
    if (!(claims.exp > Date.now() / 1000)) problems.push(`exp ${claims.exp} is not in the future`);
  } catch (error) {
    problems.push(`verify threw ${error?.name}: ${error?.message}`);
  }
  if (problems.length) {
    failed += 1;
    console.log(`FAIL node ${label}: ${problems.join('; ')}`);
  } else {
    console.log(`ok node ${label}`);
  }
}
process.exit(failed ? 1 : 0);
