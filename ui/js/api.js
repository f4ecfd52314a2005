// The public API, as this front end calls it. Two ways to be signed in:
// - with the identity provider (`sign_in: identity_provider`): the server holds the session and
//   the browser only an HttpOnly cookie it sends by itself; who is signed in comes from
//   `GET /api/v1/me`;
// - with a token (development sign-in, or a pasted one): it lives in this tab's session storage
//   only (never a cookie) and goes out as `Authorization: Bearer`.

const TOKEN_KEY = 'nemid-desk.token';

let sessionUser = null;

/** With the identity provider: who the session is for (from `/api/v1/me`), or null. */
export function setSessionUser(me) {
  sessionUser = me ? { name: me.name, role: me.role, office: me.office?.code ?? null } : null;
}

export function token() {
  try { return sessionStorage.getItem(TOKEN_KEY); } catch { return null; }
}

export function setToken(t) {
  try {
    if (t) sessionStorage.setItem(TOKEN_KEY, t);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch { /* storage disabled: the token is lost on reload */ }
}

/** Who is signed in: the session's user, or the token's claims (not verified here: the server verifies every request). */
export function who() {
  if (sessionUser) return sessionUser;
  const t = token();
  if (!t) return null;
  try {
    const part = t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(Array.from(atob(part), (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join(''));
    const c = JSON.parse(json);
    if (typeof c.exp === 'number' && c.exp * 1000 <= Date.now()) return null;
    return { name: c.name, role: c.role, office: c.office ?? null, exp: c.exp };
  } catch {
    return null;
  }
}

/** A refusal or failure from the server: `status` (0 when it could not be reached) and the problem. */
export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem?.detail || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.retryAfter = retryAfter;
  }
  get fieldErrors() { return Array.isArray(this.problem.errors) ? this.problem.errors : []; }
}

let onUnauthorized = () => {};
export function whenUnauthorized(fn) { onUnauthorized = fn; }

/** Calls the API; resolves to `{ data, etag, status }`, rejects with `ApiError`. */
export async function api(method, path, { body, ifMatch, idempotencyKey, accept } = {}) {
  const headers = { Accept: accept || 'application/json' };
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (ifMatch !== undefined && ifMatch !== null) headers['If-Match'] = `"${ifMatch}"`;
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch {
    throw new ApiError(0, null);
  }
  const type = res.headers.get('Content-Type') || '';
  if (!res.ok) {
    let problem = null;
    if (type.includes('json')) problem = await res.json().catch(() => null);
    if (res.status === 401) onUnauthorized();
    throw new ApiError(res.status, problem, Number(res.headers.get('Retry-After')) || null);
  }
  let data = null;
  if (res.status !== 204) data = type.includes('json') ? await res.json() : await res.blob();
  const etag = res.headers.get('ETag');
  return { data, etag, status: res.status };
}

/**
 * Idempotency keys for one form: the same key while the same body is retried after a lost answer
 * (network error, 503), a new key once the body changes or the last attempt was answered.
 */
export function idempotency() {
  let key = null;
  let sent = null;
  return {
    for(body, version = '') {
      const fingerprint = JSON.stringify([body, version]);
      if (!key || fingerprint !== sent) {
        key = crypto.randomUUID();
        sent = fingerprint;
      }
      return key;
    },
    /** After an answer: success or a refusal that a retry would only repeat. */
    answered(err) {
      // Kept while the first attempt may still be running or its answer was lost.
      const retryable = err && (err.status === 0 || err.status === 503 || err.problem?.kind === 'idempotency_key_in_flight');
      if (!retryable) key = null;
    },
  };
}

/** Saves what `path` answers as CSV under `filename` (the browser's download). */
export async function downloadCsv(path, filename) {
  return download(path, filename, 'text/csv');
}

/** Saves what `path` answers (of type `accept`) under `filename`: the browser's download. */
export async function download(path, filename, accept) {
  const { data } = await api('GET', path, { accept });
  const url = URL.createObjectURL(data);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Follows `next_cursor` until the list ends or `max` items were read. */
export async function all(pathFor, max = 500) {
  const items = [];
  let cursor = null;
  do {
    const { data } = await api('GET', pathFor(cursor));
    items.push(...data.items);
    cursor = data.next_cursor;
  } while (cursor && items.length < max);
  return items;
}
