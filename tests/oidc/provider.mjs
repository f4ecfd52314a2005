// A real OpenID provider for the sign-in tests: the certified `oidc-provider` package (pinned by
// package-lock.json), with its development login page (any password), configured for nemid-desk.
//
//   node tests/oidc/provider.mjs CONFIG.json
//
// CONFIG: { host, port (0: any), desk: {client_id, client_secret, redirect_uris, post_logout_redirect_uris},
//           users: {login: {name, groups, office}}, integrators: {client_id: {client_secret, groups, office}},
//           resource, keys: [{kid, alg}] }
// Prints one JSON line {"issuer": …} once it listens. `POST /__test/keys` with {keys: [{kid, alg}]}
// replaces the published and signing keys (the first of each algorithm signs; a kid seen before
// keeps its key material): a key rotation at the provider, without a restart. `GET /__test/stats`
// counts the reads of the key set.

import { createServer } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const material = new Map();

function jwk({ kid, alg = 'RS256' }) {
  if (!material.has(kid)) {
    const pair = alg.startsWith('ES')
      ? generateKeyPairSync('ec', { namedCurve: alg === 'ES384' ? 'P-384' : 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
    material.set(kid, { ...pair.privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' });
  }
  return material.get(kid);
}

const users = cfg.users || {};
const integrators = cfg.integrators || {};

function claimsOf(who) {
  const out = {};
  if (who?.groups) out.groups = who.groups;
  if (who?.office) out.office = who.office;
  return out;
}

function build(issuer, keys) {
  const desk = cfg.desk;
  const clients = [{
    client_id: desk.client_id,
    client_secret: desk.client_secret,
    redirect_uris: desk.redirect_uris,
    post_logout_redirect_uris: desk.post_logout_redirect_uris,
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }];
  for (const [client_id, it] of Object.entries(integrators)) {
    clients.push({ client_id, client_secret: it.client_secret, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
  }
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: keys.map(jwk) },
    cookies: { keys: ['nemid-desk-test-provider-cookie-key'] },
    pkce: { required: () => true },
    scopes: ['openid', 'profile', 'groups', 'office'],
    claims: { openid: ['sub'], profile: ['name'], groups: ['groups'], office: ['office'] },
    // The desk reads roles and office from the ID token, as Entra ID and Keycloak put them there.
    conformIdTokenClaims: false,
    ttl: { IdToken: cfg.id_token_ttl || 3600, AccessToken: 600, AuthorizationCode: 60, Session: 3600, Interaction: 600, Grant: 3600 },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (ctx, client) => (client.grantTypeAllowed('client_credentials') ? cfg.resource : undefined),
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: 'api', audience: cfg.resource, accessTokenFormat: 'jwt', accessTokenTTL: 600 }),
      },
    },
    extraTokenClaims: (ctx, token) => (token.kind === 'ClientCredentials' ? claimsOf(integrators[token.clientId]) : undefined),
    async findAccount(ctx, id) {
      const who = users[id];
      return {
        accountId: id,
        async claims() {
          return { sub: id, name: who?.name || id, ...claimsOf(who) };
        },
      };
    },
    // First-party client: no consent screen.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid profile groups office');
      await grant.save();
      return grant;
    },
  });
  return provider.callback();
}

let handler = null;
let issuer = null;
let jwksReads = 0;
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/jwks') jwksReads += 1;
  if (req.method === 'GET' && req.url === '/__test/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jwks_reads: jwksReads }));
    return;
  }
  if (req.method === 'POST' && req.url === '/__test/keys') {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      handler = build(issuer, JSON.parse(body).keys);
      res.writeHead(204).end();
    });
    return;
  }
  handler(req, res);
});
server.listen(cfg.port || 0, cfg.host || '127.0.0.1', () => {
  issuer = `http://${cfg.host || '127.0.0.1'}:${server.address().port}`;
  handler = build(issuer, cfg.keys || [{ kid: 'k1', alg: 'RS256' }]);
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
