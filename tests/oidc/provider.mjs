// The real OpenID provider of the integration tests: the npm package oidc-provider (pinned in
// package.json / package-lock.json, installed by tests/oidc/install.sh into a cache dir outside
// the source tree), started on a loopback port with issuer http://127.0.0.1:PORT.
//
//   node provider.mjs --modules DIR/node_modules --port PORT --redirect-uri URI [--redirect-uri URI]
//                     [--backchannel-logout-uri URI] [--post-logout-redirect-uri URI]
//
// What it has:
// - the package's development login and consent forms (devInteractions): any login name and
//   any password sign in as the account of that name;
// - three confidential clients: `usher-basic` (client_secret_basic), `usher-post`
//   (client_secret_post) and `usher-es256` (client_secret_basic, ES256 ID tokens);
// - accounts whose claims (email, email_verified, name, picture, roles, groups, realm_access)
//   are set by the tests; the scope claims go into the ID token too (conformIdTokenClaims off);
// - PKCE required (S256 only), back-channel logout on, refresh tokens for offline_access;
// - a test-only control API under /__test/ (JSON in, JSON out), which the real provider does
//   not have; see handleTest() below.
//
// On start it prints one JSON line to stdout: {"issuer", "clients": {id: secret}, "pid"}.
import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

// ------------------------------------------------------------------ arguments
const args = { 'redirect-uri': [] };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, '');
  const v = process.argv[i + 1];
  if (v === undefined) throw new Error(`missing value for --${k}`);
  if (Array.isArray(args[k])) args[k].push(v); else args[k] = v;
}
const port = Number(args.port);
if (!port || !args.modules || !args['redirect-uri'].length) {
  process.stderr.write('usage: provider.mjs --modules DIR --port PORT --redirect-uri URI...\n');
  process.exit(2);
}
const modEntry = path.join(args.modules, 'oidc-provider', 'lib', 'index.js');
const { default: Provider } = await import(pathToFileURL(modEntry).href);
const issuer = `http://127.0.0.1:${port}`;

// ------------------------------------------------------------------ keys and signing
const b64u = (buf) => Buffer.from(buf).toString('base64url');

function newKey(kind, kid) {
  const pair = kind === 'EC'
    ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = pair.privateKey.export({ format: 'jwk' });
  const pub = pair.publicKey.export({ format: 'jwk' });
  const alg = kind === 'EC' ? 'ES256' : 'RS256';
  return {
    kid, alg, privateKey: pair.privateKey, publicKey: pair.publicKey,
    jwk: { ...jwk, kid, use: 'sig', alg }, pub: { ...pub, kid, use: 'sig', alg },
  };
}

const rsaKey = newKey('RSA', 'rsa-1');
const ecKey = newKey('EC', 'ec-1');
// Keys published in the JWKS besides the provider's own (added by /__test/rotate-key), and the
// key that re-signs ID tokens from then on.
const extraKeys = [];
let rotated = null;

function jws(header, claims, key, secret) {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
  const data = Buffer.from(input);
  let sig;
  switch (header.alg) {
    case 'none': return `${input}.`;
    case 'HS256': sig = crypto.createHmac('sha256', secret).update(data).digest(); break;
    case 'RS256': sig = crypto.sign('sha256', data, key.privateKey); break;
    case 'RS384': sig = crypto.sign('sha384', data, key.privateKey); break;
    case 'PS256':
      sig = crypto.sign('sha256', data, {
        key: key.privateKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32,
      });
      break;
    case 'ES256': sig = crypto.sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' }); break;
    default: throw new Error(`cannot sign with ${header.alg}`);
  }
  return `${input}.${b64u(sig)}`;
}

function decode(token) {
  const [h, p] = token.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url')), claims: JSON.parse(Buffer.from(p, 'base64url')) };
}

// Signs claims the way a test asks: sign = good (the key of kid, or the rotated key),
// foreign-same-kid (a key not in the JWKS under a published kid), foreign-new-kid (a key and
// kid not in the JWKS), none, hs256-pubkey (HS256 keyed with the published public key as
// PEM), ps256 (the RSA key with PSS), rs256-under-ec-kid / es256-under-rsa-kid (a good
// signature whose algorithm does not fit the key type of the JWK its kid names).
function signAs(sign, header, claims) {
  const cur = header.kid === ecKey.kid ? ecKey : (rotated || rsaKey);
  switch (sign || 'good') {
    case 'good': return jws({ ...header, alg: cur.alg, kid: cur.kid }, claims, cur);
    case 'foreign-same-kid': {
      const k = newKey(cur.alg === 'ES256' ? 'EC' : 'RSA', cur.kid);
      return jws({ ...header, alg: cur.alg, kid: cur.kid }, claims, k);
    }
    case 'foreign-new-kid': {
      const k = newKey(cur.alg === 'ES256' ? 'EC' : 'RSA', `foreign-${crypto.randomUUID()}`);
      return jws({ ...header, alg: cur.alg, kid: k.kid }, claims, k);
    }
    case 'none': return jws({ alg: 'none', typ: header.typ }, claims);
    case 'hs256-pubkey': {
      const pem = rsaKey.publicKey.export({ type: 'spki', format: 'pem' });
      return jws({ ...header, alg: 'HS256', kid: rsaKey.kid }, claims, null, pem);
    }
    case 'ps256': return jws({ ...header, alg: 'PS256', kid: rsaKey.kid }, claims, rsaKey);
    // RS256 by the RSA key under the EC key's kid, or ES256 by the EC key under the RSA kid
    case 'rs256-under-ec-kid': return jws({ ...header, alg: 'RS256', kid: ecKey.kid }, claims, rsaKey);
    case 'es256-under-rsa-kid': return jws({ ...header, alg: 'ES256', kid: rsaKey.kid }, claims, ecKey);
    default: throw new Error(`unknown sign mode ${sign}`);
  }
}

// ------------------------------------------------------------------ accounts
const accounts = new Map();
function claimsOf(id) {
  const set = accounts.get(id);
  if (set) return { ...set, sub: set.sub ?? id };
  return { sub: id, email: `${id}@example.test`, email_verified: true, name: id };
}

// ------------------------------------------------------------------ clients
const secret = (name) => `${name}-${crypto.randomBytes(24).toString('hex')}`;
const common = {
  redirect_uris: args['redirect-uri'],
  post_logout_redirect_uris: args['post-logout-redirect-uri'] ? [args['post-logout-redirect-uri']] : [],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  ...(args['backchannel-logout-uri'] ? {
    backchannel_logout_uri: args['backchannel-logout-uri'], backchannel_logout_session_required: false,
  } : {}),
};
const clients = [
  { client_id: 'usher-basic', client_secret: secret('basic'), token_endpoint_auth_method: 'client_secret_basic', ...common },
  { client_id: 'usher-post', client_secret: secret('post'), token_endpoint_auth_method: 'client_secret_post', ...common },
  {
    client_id: 'usher-es256', client_secret: secret('es256'), token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'ES256', ...common,
  },
];

// ------------------------------------------------------------------ the provider
const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [rsaKey.jwk, ecKey.jwk] },
  cookies: {
    keys: [crypto.randomBytes(32).toString('hex')],
    long: { signed: true, httpOnly: true, sameSite: 'lax' },
    short: { signed: true, httpOnly: true, sameSite: 'lax' },
  },
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return claimsOf(id); } };
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'picture', 'preferred_username', 'roles', 'groups', 'realm_access'],
  },
  conformIdTokenClaims: false,
  pkce: { required: () => true, methods: ['S256'] },
  features: {
    devInteractions: { enabled: true },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  ttl: { IdToken: 3600, AccessToken: 3600, AuthorizationCode: 600, Interaction: 600, Session: 3600, Grant: 3600 },
  async issueRefreshToken(ctx, client, code) {
    return client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access');
  },
});
provider.on('server_error', (ctx, err) => process.stderr.write(`server_error: ${err.stack}\n`));
provider.on('backchannel.error', (client, err) => process.stderr.write(`backchannel.error: ${err.message}\n`));

// ------------------------------------------------------------------ test-only behaviour
// Each list holds one-shot changes, taken in order by the next answers of that route.
const plans = { idToken: [], userinfo: [], response: [], tokenAnswer: [] };
const counts = {};
let lastToken = null; // the last token endpoint answer as sent (GET /__test/last-token)
const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

provider.use(async (ctx, next) => {
  await next();
  const route = ctx.oidc?.route || ctx._matchedRouteName;
  if (!route) return;
  counts[route] = (counts[route] || 0) + 1;
  if (route === 'jwks' && ctx.body?.keys && extraKeys.length) {
    ctx.body = { keys: [...ctx.body.keys, ...extraKeys.map((k) => k.pub)] };
  }
  if (route === 'token' && ctx.status === 200 && ctx.body?.id_token) {
    const plan = plans.idToken.shift();
    if (plan || rotated) {
      const { header, claims } = decode(ctx.body.id_token);
      const p = plan || {};
      for (const k of p.unset || []) delete claims[k];
      Object.assign(claims, p.set || {});
      if (p.shift) for (const [k, d] of Object.entries(p.shift)) claims[k] = (claims[k] || 0) + d;
      ctx.body = { ...ctx.body, id_token: signAs(p.sign, header, claims) };
    }
  }
  if (route === 'token' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
    const p = plans.tokenAnswer.shift();
    if (p) {
      const body = { ...ctx.body };
      for (const k of p.unset || []) delete body[k];
      ctx.body = Object.assign(body, p.set || {});
    }
  }
  if (route === 'userinfo' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
    const p = plans.userinfo.shift();
    if (p) {
      const body = { ...ctx.body };
      for (const k of p.unset || []) delete body[k];
      ctx.body = Object.assign(body, p.set || {});
    }
  }
  if (route === 'token' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
    lastToken = ctx.body;
  }
  const idx = plans.response.findIndex((p) => p.route === route);
  if (idx >= 0) {
    const [p] = plans.response.splice(idx, 1);
    if (p.delay_ms) await sleep(p.delay_ms);
    ctx.status = p.status || 200;
    ctx.type = p.type || 'application/json';
    ctx.body = p.size ? `{"x":"${'x'.repeat(p.size)}"}` : (p.body ?? '');
  }
});

async function readJson(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const text = Buffer.concat(chunks).toString();
  return text ? JSON.parse(text) : {};
}

// POST /__test/accounts          {"<login>": {claims...}, ...}  set (null deletes) accounts
// POST /__test/next-id-token     {sign, set, unset, shift}      change the next ID token
//                                (a list of such objects: the next ones in order)
// POST /__test/next-userinfo     {set, unset}                   change the next userinfo answer
// POST /__test/next-token-answer {set, unset}                   change the next token answer's
//                                other members (expires_in, refresh_token, ...)
// POST /__test/next-response     {route, status, body, size, delay_ms, type}
//                                replace the next answer of route (token, userinfo, jwks,
//                                discovery, ...) with body, or a JSON of size bytes
// POST /__test/next-id-token-bad-signature                      shorthand: sign=foreign-same-kid
// POST /__test/rotate-key        publish a new RSA key and sign every later ID token with it
//                                (until POST /__test/reset, which also clears the plans)
// POST /__test/logout-token      {client_id, sub, sid}         a real logout token, as the
//                                provider posts it at end_session (not sent anywhere)
// POST /__test/backchannel-logout {client_id, sub, sid}        the provider posts one to the
//                                client's backchannel_logout_uri itself
// POST /__test/sign              {header, claims, sign}        any JWS (for logout-token refusals)
// GET  /__test/counts            requests per route since the last POST /__test/reset
// GET  /__test/last-token        the last answer of the token endpoint, as it was sent
async function handleTest(req, res) {
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const url = new URL(req.url, issuer);
  const body = req.method === 'POST' ? await readJson(req) : {};
  switch (url.pathname) {
    case '/__test/accounts':
      for (const [id, c] of Object.entries(body)) {
        if (c === null) accounts.delete(id); else accounts.set(id, c);
      }
      return send(200, Object.fromEntries(accounts));
    case '/__test/next-id-token':
      plans.idToken.push(...(Array.isArray(body) ? body : [body]));
      return send(200, { pending: plans.idToken.length });
    case '/__test/next-id-token-bad-signature':
      plans.idToken.push({ sign: 'foreign-same-kid' });
      return send(200, { pending: plans.idToken.length });
    case '/__test/next-token-answer':
      plans.tokenAnswer.push(body);
      return send(200, { pending: plans.tokenAnswer.length });
    case '/__test/next-userinfo':
      plans.userinfo.push(body);
      return send(200, { pending: plans.userinfo.length });
    case '/__test/next-response':
      plans.response.push(body);
      return send(200, { pending: plans.response.length });
    case '/__test/rotate-key': {
      rotated = newKey('RSA', `rsa-${extraKeys.length + 2}`);
      extraKeys.push(rotated);
      return send(200, { kid: rotated.kid });
    }
    case '/__test/reset':
      plans.idToken.length = 0; plans.userinfo.length = 0; plans.response.length = 0;
      plans.tokenAnswer.length = 0;
      rotated = null; extraKeys.length = 0;
      for (const k of Object.keys(counts)) delete counts[k];
      return send(200, {});
    case '/__test/counts':
      return send(200, counts);
    case '/__test/last-token':
      return send(200, lastToken || {});
    case '/__test/logout-token': {
      const client = await provider.Client.find(body.client_id || 'usher-basic');
      const token = new provider.IdToken({ sub: body.sub }, { client, ctx: undefined });
      token.mask = { sub: null };
      token.set('events', { 'http://schemas.openid.net/event/backchannel-logout': {} });
      token.set('jti', crypto.randomUUID());
      if (body.sid) token.set('sid', body.sid);
      return send(200, { logout_token: await token.issue({ use: 'logout' }) });
    }
    case '/__test/backchannel-logout': {
      const client = await provider.Client.find(body.client_id || 'usher-basic');
      try {
        await client.backchannelLogout(body.sub, body.sid);
        return send(200, { sent: true });
      } catch (e) {
        return send(502, { sent: false, error: e.message });
      }
    }
    case '/__test/sign': {
      const header = { typ: 'JWT', kid: rsaKey.kid, alg: 'RS256', ...(body.header || {}) };
      return send(200, { jws: signAs(body.sign, header, body.claims || {}) });
    }
    default:
      return send(404, { error: 'unknown test route' });
  }
}

const app = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/__test/')) {
    handleTest(req, res).catch((e) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: e.message }));
    });
    return;
  }
  app(req, res);
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({
    issuer, pid: process.pid, clients: Object.fromEntries(clients.map((c) => [c.client_id, c.client_secret])),
  })}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
