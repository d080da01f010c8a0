// A test OpenID Provider for the browser login end-to-end test: the npm `oidc-provider`
// package (installed by scripts/oidc/install.sh into target/oidc/node_modules) with one
// confidential client, PKCE required, and an interaction handler that signs a fixed test user
// in and grants consent without any page.
//
//   node scripts/oidc/provider.mjs --port 4000 --client-id anteroom --client-secret s \
//     --redirect-uri http://127.0.0.1:8080/api/v1.0/callback/ \
//     --sub ana-1 --email ana@example.org --given-name Ana --family-name Lopes \
//     [--post-logout-redirect-uri URL] [--backchannel-logout-uri URL]
//
// With `--backchannel-logout-uri`, the client is registered for OpenID Connect back-channel
// logout with sessions required: ID tokens carry `sid`, and ending a session at the provider
// (`/session/end`, then its confirmation form) POSTs a signed logout token naming it there.
//
// Prints `ready <issuer>` on standard output once listening. The signed-in user can be changed
// while running: `POST /__test__/account` with a JSON body {sub, email, given_name,
// family_name} (a test-only control route, on loopback only).
//
// Never use this outside tests: its cookie keys are fixed and its signing keys are generated
// at start.

import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = fileURLToPath(new URL('.', import.meta.url));
const modules = process.env.OIDC_NODE_MODULES
  ?? join(here, '..', '..', 'target', 'oidc', 'node_modules');
const resolve = createRequire(join(modules, 'resolver.cjs')).resolve;
const { default: Provider } = await import(pathToFileURL(resolve('oidc-provider')).href);
const { generateKeyPair, exportJWK } = await import(pathToFileURL(resolve('jose')).href);

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    'client-id': { type: 'string', default: 'anteroom' },
    'client-secret': { type: 'string', default: 'anteroom-test-secret' },
    'redirect-uri': { type: 'string' },
    'post-logout-redirect-uri': { type: 'string' },
    'backchannel-logout-uri': { type: 'string' },
    sub: { type: 'string', default: 'test-user' },
    email: { type: 'string', default: 'test-user@example.org' },
    'given-name': { type: 'string', default: 'Test' },
    'family-name': { type: 'string', default: 'User' },
  },
});
if (!args.port || !args['redirect-uri']) {
  console.error('usage: provider.mjs --port PORT --redirect-uri URL [options]');
  process.exit(2);
}

let account = {
  sub: args.sub,
  email: args.email,
  given_name: args['given-name'],
  family_name: args['family-name'],
};

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const signing = { ...(await exportJWK(privateKey)), kid: 'test-rs256', alg: 'RS256', use: 'sig' };

const issuer = `http://127.0.0.1:${args.port}`;
const provider = new Provider(issuer, {
  clients: [{
    client_id: args['client-id'],
    client_secret: args['client-secret'],
    redirect_uris: [args['redirect-uri']],
    post_logout_redirect_uris: args['post-logout-redirect-uri'] ? [args['post-logout-redirect-uri']] : [],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...(args['backchannel-logout-uri'] ? {
      backchannel_logout_uri: args['backchannel-logout-uri'],
      backchannel_logout_session_required: true,
    } : {}),
  }],
  jwks: { keys: [signing] },
  cookies: { keys: ['anteroom-test-only-cookie-key'] },
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['given_name', 'family_name', 'name'],
  },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true },
    backchannelLogout: { enabled: true },
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  // The relying party listens on loopback, which the provider's SSRF protection refuses to
  // call (back-channel logout): this test provider calls it without that dispatcher.
  fetch: (url, options) => {
    const { dispatcher: _ssrfProtection, ...rest } = options;
    return globalThis.fetch(url, rest);
  },
  async findAccount(_ctx, id) {
    if (id !== account.sub) return undefined;
    const current = account;
    return {
      accountId: id,
      async claims() {
        return {
          sub: current.sub,
          email: current.email,
          email_verified: true,
          given_name: current.given_name,
          family_name: current.family_name,
          name: `${current.given_name} ${current.family_name}`,
        };
      },
    };
  },
});

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

// Signs the current test user in and consents to what is asked, without pages.
provider.use(async (ctx, next) => {
  if (ctx.method === 'POST' && ctx.path === '/__test__/account') {
    const body = await readJson(ctx.req);
    account = { ...account, ...body };
    ctx.status = 204;
    return;
  }
  if (ctx.method !== 'GET' || !ctx.path.startsWith('/interaction/')) {
    await next();
    return;
  }
  const interaction = await provider.interactionDetails(ctx.req, ctx.res);
  const { prompt, params, session } = interaction;
  let result;
  if (prompt.name === 'login') {
    result = { login: { accountId: account.sub } };
  } else if (prompt.name === 'consent') {
    const grant = interaction.grantId
      ? await provider.Grant.find(interaction.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const { details } = prompt;
    if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
    if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    result = { consent: { grantId: await grant.save() } };
  } else {
    result = { error: 'access_denied', error_description: `unexpected prompt ${prompt.name}` };
  }
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, {
    mergeWithLastSubmission: prompt.name !== 'login',
  });
  ctx.status = 303;
  ctx.redirect(returnTo);
});

provider.on('server_error', (_ctx, error) => console.error('server_error', error));
provider.on('backchannel.error', (_ctx, error) => console.error('backchannel.error', error));

const server = provider.listen(Number(args.port), '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
