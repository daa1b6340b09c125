#!/usr/bin/env node
// Scripted user agent for oauthlink integration tests, used as $BROWSER.
//
//   node tests/integration/ua/browser.mjs [ignored args...] <authorize-url>
//
// Fetches the authorize URL (redirect: 'manual'), keeps its own cookie jar
// per host:port, follows 30x, submits HTML forms (login: login=alice,
// password=...; consent: approve/continue, or deny in deny mode) until it is
// sent to the client's loopback callback, then requests that callback once
// and stops. Never writes to stdout; diagnostics go to stderr.
//
// Env:
//   OAUTHLINK_UA_MODE   approve (default) | deny | wrong-state | favicon-first
//                       | never | print-url
//   OAUTHLINK_UA_LOG    optional file; one JSON line is appended per request
//                       made to the callback origin:
//                       {"kind","url","method","status","body_snippet","headers"}
//                       (print-url mode appends the bare URL + "\n" instead)
//   OAUTHLINK_UA_LOGIN  login name typed into login forms (default alice)
//   OAUTHLINK_UA_CALLBACK  optional URL: the callback is exactly its origin and path
//                       (instead of the redirect_uri / any-other-loopback-origin rule)
//   OAUTHLINK_UA_DEBUG=1  trace every request on stderr
//
// Exit codes: 0 = callback was requested and answered (whatever its status),
// 1 = flow failed before reaching the callback, 2 = usage, 3 = the callback
// request itself failed (connection refused, timeout).

import * as fs from 'node:fs';

const FETCH_TIMEOUT_MS = 10_000;
const OVERALL_TIMEOUT_MS = 60_000;
const MAX_STEPS = 40;

const MODES = new Set(['approve', 'deny', 'wrong-state', 'favicon-first', 'never', 'print-url']);
const mode = process.env.OAUTHLINK_UA_MODE || 'approve';
const logFile = process.env.OAUTHLINK_UA_LOG || '';
const loginName = process.env.OAUTHLINK_UA_LOGIN || 'alice';
const DEBUG = process.env.OAUTHLINK_UA_DEBUG === '1';

const err = (...a) => process.stderr.write(`[ua] ${a.join(' ')}\n`);
const dbg = (...a) => { if (DEBUG) err(...a); };

class UAError extends Error {
  constructor(message, code = 1) { super(message); this.code = code; }
}

// ---------------------------------------------------------------- cookies
// Minimal RFC 6265 jar keyed by host:port (cookies are not shared across
// ports, unlike real browsers, which is what we want for loopback tests).
const jar = new Map(); // "host:port" -> Map("name\0path" -> {name,value,path,expires})

function defaultPath(pathname) {
  if (!pathname.startsWith('/')) return '/';
  const i = pathname.lastIndexOf('/');
  return i <= 0 ? '/' : pathname.slice(0, i);
}

function storeCookies(url, res) {
  const lines = typeof res.headers.getSetCookie === 'function' ? res.headers.getSetCookie() : [];
  if (!lines.length) return;
  const key = url.host;
  if (!jar.has(key)) jar.set(key, new Map());
  const bucket = jar.get(key);
  for (const line of lines) {
    const [pair, ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    let cpath = defaultPath(url.pathname);
    let expires = Infinity;
    for (const attr of attrs) {
      const [k, ...v] = attr.split('=');
      const ak = k.trim().toLowerCase();
      const av = v.join('=').trim();
      if (ak === 'path' && av.startsWith('/')) cpath = av;
      else if (ak === 'max-age' && /^-?\d+$/.test(av)) expires = Date.now() + Number(av) * 1000;
      else if (ak === 'expires' && expires === Infinity) {
        const t = Date.parse(av);
        if (!Number.isNaN(t)) expires = t;
      }
    }
    const id = `${name}\0${cpath}`;
    if (expires <= Date.now()) bucket.delete(id);
    else bucket.set(id, { name, value, path: cpath, expires });
  }
}

function pathMatches(reqPath, cpath) {
  if (reqPath === cpath) return true;
  if (!reqPath.startsWith(cpath)) return false;
  return cpath.endsWith('/') || reqPath[cpath.length] === '/';
}

function cookieHeader(url) {
  const bucket = jar.get(url.host);
  if (!bucket) return '';
  const now = Date.now();
  const list = [];
  for (const [id, c] of bucket) {
    if (c.expires <= now) { bucket.delete(id); continue; }
    if (pathMatches(url.pathname || '/', c.path)) list.push(c);
  }
  list.sort((a, b) => b.path.length - a.path.length);
  return list.map((c) => `${c.name}=${c.value}`).join('; ');
}

// ---------------------------------------------------------------- http
async function request(method, urlStr, body) {
  const url = new URL(urlStr);
  const headers = {
    'user-agent': 'oauthlink-test-ua/1.0',
    accept: 'text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8',
  };
  const cookie = cookieHeader(url);
  if (cookie) headers.cookie = cookie;
  if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  dbg(`${method} ${url.href}${body ? ` body=${body}` : ''}`);
  const res = await fetch(url, {
    method,
    headers,
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
  });
  storeCookies(url, res);
  const text = await res.text();
  dbg(`  -> ${res.status} ${res.headers.get('content-type') || ''} ${res.headers.get('location') || ''}`);
  return { url, res, text };
}

// ---------------------------------------------------------------- html forms
const ENTITIES = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', '#39': "'",
};
function decodeEntities(s) {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+\d*);/gi, (m, e) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(cp) ? String.fromCodePoint(cp) : m;
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

function parseAttrs(tag) {
  const attrs = {};
  const re = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  // skip the tag name
  const inner = tag.replace(/^<\s*[a-z0-9]+/i, '').replace(/\/?>$/, '');
  let m;
  while ((m = re.exec(inner))) {
    const v = m[2] ?? m[3] ?? m[4] ?? '';
    attrs[m[1].toLowerCase()] = decodeEntities(v);
  }
  return attrs;
}

const stripTags = (s) => decodeEntities(s.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();

function parseControls(html, formId) {
  const controls = [];
  const re = /<(input|button|select|textarea)\b[^>]*>/gi;
  let m;
  while ((m = re.exec(html))) {
    const tagName = m[1].toLowerCase();
    const attrs = parseAttrs(m[0]);
    if (formId !== undefined && attrs.form !== formId) continue;
    const c = { tag: tagName, attrs, text: '' };
    if (tagName === 'button' || tagName === 'textarea' || tagName === 'select') {
      const close = html.slice(re.lastIndex).search(new RegExp(`</${tagName}\\s*>`, 'i'));
      const inner = close >= 0 ? html.slice(re.lastIndex, re.lastIndex + close) : '';
      if (tagName === 'button') c.text = stripTags(inner);
      if (tagName === 'textarea') c.text = decodeEntities(inner);
      if (tagName === 'select') {
        const opts = [...inner.matchAll(/<option\b[^>]*>([^<]*)/gi)].map((o) => ({
          attrs: parseAttrs(o[0].slice(0, o[0].indexOf('>') + 1)), text: decodeEntities(o[1]).trim(),
        }));
        const sel = opts.find((o) => 'selected' in o.attrs) || opts[0];
        c.value = sel ? (sel.attrs.value ?? sel.text) : '';
      }
    }
    controls.push(c);
  }
  return controls;
}

function parseForms(html) {
  const forms = [];
  const re = /<form\b[^>]*>([\s\S]*?)<\/form\s*>/gi;
  let m;
  while ((m = re.exec(html))) {
    const open = m[0].slice(0, m[0].indexOf('>') + 1);
    const attrs = parseAttrs(open);
    const controls = parseControls(m[1]);
    if (attrs.id) controls.push(...parseControls(html.slice(0, m.index), attrs.id),
      ...parseControls(html.slice(re.lastIndex), attrs.id));
    forms.push({ attrs, controls });
  }
  return forms;
}

const isSubmit = (c) => (c.tag === 'button' && (c.attrs.type || 'submit').toLowerCase() === 'submit')
  || (c.tag === 'input' && ['submit', 'image'].includes((c.attrs.type || '').toLowerCase()));
const label = (c) => `${c.attrs.name || ''} ${c.attrs.value || ''} ${c.text || ''} ${c.attrs.id || ''} ${c.attrs.class || ''}`.toLowerCase();
const DENY_RE = /\b(deny|denied|reject|decline|cancel|abort|refuse|no)\b/;
const APPROVE_RE = /\b(approve|allow|accept|authori[sz]e|grant|consent|continue|confirm|yes|ok|sign-?in|log-?in|submit)\b/;

function isLoginForm(form) {
  return form.controls.some((c) => c.tag === 'input' && (c.attrs.type || '').toLowerCase() === 'password');
}

// Returns the submit control to press (or null for implicit submission).
function chooseButton(form, wantDeny) {
  const buttons = form.controls.filter(isSubmit);
  if (wantDeny) {
    return buttons.find((b) => (b.attrs.value || '').toLowerCase() === 'deny')
      || buttons.find((b) => DENY_RE.test(label(b))) || undefined;
  }
  return buttons.find((b) => (b.attrs.value || '').toLowerCase() === 'approve')
    || buttons.find((b) => APPROVE_RE.test(label(b)) && !DENY_RE.test(label(b)))
    || buttons.find((b) => !DENY_RE.test(label(b)))
    || null;
}

function buildSubmission(form, button, pageUrl) {
  const params = new URLSearchParams();
  for (const c of form.controls) {
    const { name } = c.attrs;
    if (!name || 'disabled' in c.attrs) continue;
    if (c.tag === 'button' || isSubmit(c)) continue;
    if (c.tag === 'select') { params.append(name, c.value); continue; }
    if (c.tag === 'textarea') { params.append(name, c.text); continue; }
    const type = (c.attrs.type || 'text').toLowerCase();
    if (['reset', 'file', 'image'].includes(type)) continue;
    if ((type === 'checkbox' || type === 'radio') && !('checked' in c.attrs)) continue;
    let value = c.attrs.value ?? (type === 'checkbox' || type === 'radio' ? 'on' : '');
    if (type === 'password') value = value || 'password';
    else if (['login', 'username', 'user', 'email'].includes(name.toLowerCase()) && type !== 'hidden') {
      value = loginName;
    }
    params.append(name, value);
  }
  if (button && button.attrs.name) params.append(button.attrs.name, button.attrs.value ?? '');
  const actionAttr = (button && button.attrs.formaction) || form.attrs.action || '';
  const action = new URL(actionAttr || pageUrl.href, pageUrl);
  const method = ((button && button.attrs.formmethod) || form.attrs.method || 'get').toUpperCase();
  if (method === 'POST') return { method: 'POST', url: action.href, body: params.toString() };
  action.search = params.toString();
  return { method: 'GET', url: action.href, body: undefined };
}

// Deny without a deny button: an abort/cancel link (oidc-provider dev
// interactions render <a href=".../interaction/UID/abort">[ Cancel ]</a>).
function findDenyLink(html, pageUrl) {
  const re = /<a\b[^>]*>([\s\S]*?)<\/a\s*>/gi;
  let m;
  const links = [];
  while ((m = re.exec(html))) {
    const attrs = parseAttrs(m[0].slice(0, m[0].indexOf('>') + 1));
    if (attrs.href) links.push({ href: attrs.href, text: stripTags(m[1]).toLowerCase() });
  }
  const hit = links.find((l) => /\/abort\b/.test(l.href))
    || links.find((l) => DENY_RE.test(l.text));
  return hit ? new URL(hit.href, pageUrl).href : undefined;
}

// ---------------------------------------------------------------- callback
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function makeIsCallback(startUrl) {
  // OAUTHLINK_UA_CALLBACK names the callback outright (a broker between the client and
  // the authorization server puts several loopback origins on the way).
  if (process.env.OAUTHLINK_UA_CALLBACK) {
    const cb = new URL(process.env.OAUTHLINK_UA_CALLBACK);
    return (u) => u.origin === cb.origin && u.pathname === cb.pathname;
  }
  const authOrigin = startUrl.origin;
  let redirect;
  try {
    const r = startUrl.searchParams.get('redirect_uri');
    if (r) redirect = new URL(r);
  } catch { redirect = undefined; }
  return (u) => {
    if (redirect && u.origin === redirect.origin && u.pathname === redirect.pathname) return true;
    return u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname) && u.origin !== authOrigin;
  };
}

function appendLog(obj) {
  if (!logFile) return;
  fs.appendFileSync(logFile, `${JSON.stringify(obj)}\n`);
}

async function hitCallback(kind, req) {
  const entry = { kind, url: req.url, method: req.method };
  try {
    const { res, text } = await request(req.method, req.url, req.body);
    Object.assign(entry, {
      status: res.status,
      body_snippet: text.slice(0, 500),
      headers: Object.fromEntries(res.headers),
    });
    appendLog(entry);
    dbg(`callback (${kind}) -> ${res.status}`);
    return entry;
  } catch (e) {
    Object.assign(entry, { status: null, error: `${e.name}: ${e.message}` });
    appendLog(entry);
    throw new UAError(`callback request (${kind}) ${req.url} failed: ${e.name}: ${e.message}`, 3);
  }
}

function forgeState(req) {
  if (req.method === 'GET') {
    const u = new URL(req.url);
    u.searchParams.set('state', 'forged');
    return { ...req, url: u.href };
  }
  const p = new URLSearchParams(req.body || '');
  p.set('state', 'forged');
  return { ...req, body: p.toString() };
}

async function finish(req) {
  dbg(`reached callback ${req.method} ${req.url}`);
  if (mode === 'wrong-state') {
    await hitCallback('forged', forgeState(req));
  } else if (mode === 'favicon-first') {
    await hitCallback('favicon', { method: 'GET', url: new URL('/favicon.ico', req.url).href });
  }
  await hitCallback('callback', req);
}

// ---------------------------------------------------------------- main flow
async function run(startUrl) {
  const isCallback = makeIsCallback(startUrl);
  const wantDeny = mode === 'deny';
  let next = { method: 'GET', url: startUrl.href, body: undefined };

  for (let step = 0; step < MAX_STEPS; step += 1) {
    if (isCallback(new URL(next.url))) return finish(next);

    let r;
    try {
      r = await request(next.method, next.url, next.body);
    } catch (e) {
      throw new UAError(`${next.method} ${next.url} failed: ${e.name}: ${e.message}`);
    }
    const { res, text, url } = r;

    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      const loc = new URL(res.headers.get('location'), url).href;
      if (res.status === 307 || res.status === 308) next = { ...next, url: loc };
      else next = { method: 'GET', url: loc, body: undefined };
      continue;
    }

    const ctype = res.headers.get('content-type') || '';
    const snippet = stripTags(text).slice(0, 400);
    if (res.status >= 400) {
      throw new UAError(`${next.method} ${url.href} -> HTTP ${res.status}: ${snippet}`);
    }
    if (!/html/i.test(ctype)) {
      throw new UAError(`${next.method} ${url.href} -> ${res.status} ${ctype}, expected an HTML page or a redirect: ${snippet}`);
    }

    const forms = parseForms(text);
    const loginForm = forms.find(isLoginForm);
    if (loginForm) {
      next = buildSubmission(loginForm, chooseButton(loginForm, false), url);
      continue;
    }

    if (wantDeny) {
      const f = forms.find((fm) => chooseButton(fm, true));
      if (f) { next = buildSubmission(f, chooseButton(f, true), url); continue; }
      const link = findDenyLink(text, url);
      if (link) { next = { method: 'GET', url: link, body: undefined }; continue; }
      throw new UAError(`deny mode: no deny button or abort link on ${url.href}: ${snippet}`);
    }

    if (forms.length) {
      const f = forms.find((fm) => fm.controls.some((c) => isSubmit(c) && APPROVE_RE.test(label(c))))
        || forms[0];
      next = buildSubmission(f, chooseButton(f, false), url);
      continue;
    }

    const meta = text.match(/<meta[^>]+http-equiv=["']?refresh["']?[^>]*>/i);
    if (meta) {
      const content = parseAttrs(meta[0]).content || '';
      const target = content.match(/url\s*=\s*['"]?([^'"]+)/i);
      if (target) { next = { method: 'GET', url: new URL(target[1], url).href, body: undefined }; continue; }
    }
    throw new UAError(`${url.href} -> ${res.status}: page has no form to submit: ${snippet}`);
  }
  throw new UAError(`gave up after ${MAX_STEPS} steps without reaching the callback`);
}

async function main() {
  const argv = process.argv.slice(2);
  if (!MODES.has(mode)) {
    err(`unknown OAUTHLINK_UA_MODE=${mode}`);
    return 2;
  }
  if (!argv.length) {
    err('usage: browser.mjs [args...] <authorize-url>');
    return 2;
  }
  const raw = argv[argv.length - 1];

  if (mode === 'never') { dbg(`mode never: ignoring ${raw}`); return 0; }
  if (mode === 'print-url') {
    if (logFile) fs.appendFileSync(logFile, `${raw}\n`);
    else err(`print-url: ${raw}`);
    return 0;
  }

  let startUrl;
  try {
    startUrl = new URL(raw);
    if (!['http:', 'https:'].includes(startUrl.protocol)) throw new Error('not http(s)');
  } catch (e) {
    err(`not an http(s) URL: ${raw}`);
    return 2;
  }

  const overall = setTimeout(() => {
    err(`overall timeout (${OVERALL_TIMEOUT_MS} ms) exceeded`);
    process.exit(1);
  }, OVERALL_TIMEOUT_MS);
  overall.unref();

  try {
    await run(startUrl);
    return 0;
  } catch (e) {
    err(e instanceof UAError ? e.message : (e.stack || String(e)));
    return e instanceof UAError ? e.code : 1;
  } finally {
    clearTimeout(overall);
  }
}

process.exitCode = await main();
