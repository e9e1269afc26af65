// Test support: a real Frontdesk server on a free 127.0.0.1 port, agent tokens, the REST API.

import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SECRET = 'js-test-secret-0123456789abcdef0123456789';
export const API_KEY = 'js-test-api-key';

// The `ws` package lives in client_js/node_modules (Node 20 has no global WebSocket).
const requireFromClient = createRequire(new URL('../../client_js/package.json', import.meta.url));
export const WebSocket = globalThis.WebSocket ?? requireFromClient('ws');

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function base64url(value) {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** An HS256 agent JWT signed with `secret` (contract: WebSocket, agent hello). */
export function agentToken({ sub = 'kevin', account = 'demo', name = 'Kevin', ttl = 3600, secret = SECRET } = {}) {
  const head = base64url({ alg: 'HS256', typ: 'JWT' });
  const body = base64url({ sub, account, name, exp: Math.floor(Date.now() / 1000) + ttl });
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

/**
 * A Frontdesk process: `python -m frontdesk serve --demo` on 127.0.0.1.
 * start() waits for GET /healthz to answer 200; stop() sends SIGTERM (then SIGKILL).
 */
export class FrontdeskServer {
  constructor({ port, heartbeat = 1, ttl = 3, grace = 0.5, env = {} } = {}) {
    this.port = port;
    this.env = {
      ...process.env,
      FRONTDESK_SECRET: SECRET,
      FRONTDESK_API_KEY: API_KEY,
      FRONTDESK_HEARTBEAT: String(heartbeat),
      FRONTDESK_PRESENCE_TTL: String(ttl),
      FRONTDESK_CLOSE_GRACE: String(grace),
      PYTHONUNBUFFERED: '1',
      ...env,
    };
    delete this.env.REDIS_URL;
    this.process = null;
    this.output = '';
  }

  get http() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    this.port ??= await freePort();
    const python = process.env.PYTHON || 'python3';
    const args = ['-m', 'frontdesk', 'serve', '--host', '127.0.0.1', '--port', String(this.port), '--demo'];
    const child = spawn(python, args, { cwd: ROOT, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    this.exited = exited;
    child.stdout.on('data', (chunk) => { this.output += chunk; });
    child.stderr.on('data', (chunk) => { this.output += chunk; });
    const deadline = Date.now() + 30000;
    let gone = null;
    exited.then((how) => { gone = how; });
    while (Date.now() < deadline) {
      if (gone) throw new Error(`frontdesk exited (${JSON.stringify(gone)}) before answering:\n${this.output}`);
      try {
        const response = await fetch(`${this.http}/healthz`);
        if (response.status === 200) return this;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    await this.stop();
    throw new Error(`frontdesk did not answer /healthz within 30 s:\n${this.output}`);
  }

  async stop() {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 8000);
    await this.exited;
    clearTimeout(killer);
    this.process = null;
  }

  /** A back-office request with the API key; returns {status, body}. */
  async api(method, path, body) {
    const response = await fetch(`${this.http}${path}`, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed };
  }

  async agents(account = 'demo') {
    const { status, body } = await this.api('GET', `/api/v1/accounts/${account}/agents`);
    if (status !== 200) throw new Error(`GET agents: ${status} ${JSON.stringify(body)}`);
    return body;
  }

  /** Replace the widget's settings, starting from the stored ones. */
  async updateWidget(widget, changes) {
    const current = await this.api('GET', `/api/v1/widgets/${widget}`);
    if (current.status !== 200) throw new Error(`GET widget: ${current.status} ${JSON.stringify(current.body)}`);
    const put = await this.api('PUT', `/api/v1/widgets/${widget}`, { ...current.body, ...changes });
    if (put.status !== 200) throw new Error(`PUT widget: ${put.status} ${JSON.stringify(put.body)}`);
    return put.body;
  }
}

/** Resolve with the first event `type` of `client` for which `predicate` holds, or reject after `ms`. */
export function waitFor(client, type, predicate = () => true, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${type} event within ${ms} ms`));
    }, ms);
    const off = client.on(type, (payload) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/** Poll `check` until it returns a truthy value, or throw after `ms`. */
export async function eventually(check, ms = 5000, what = 'condition') {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last;
    await sleep(50);
  }
  throw new Error(`${what} not met within ${ms} ms (last: ${JSON.stringify(last)})`);
}

/** A Storage in memory, the shape of localStorage. */
export class MemoryStorage {
  constructor() {
    this.items = new Map();
  }
  getItem(key) {
    return this.items.has(key) ? this.items.get(key) : null;
  }
  setItem(key, value) {
    this.items.set(key, String(value));
  }
  removeItem(key) {
    this.items.delete(key);
  }
}
