import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApprovalRequestReplySchema, fromUtf8, type ApprovalRequest } from '@fedplane/core';
import { FixedSubject, StreamName, eventSubject, request } from '@fedplane/messaging';
import { TEST_SERVICE_SECRET } from '@fedplane/testkit';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_KEY,
  HMAC_SECRET,
  eventually,
  postDecision,
  signedDecision,
  startWorld,
  type ApprovalsWorld,
} from './approvals-fixtures.js';

/**
 * The operator console (`/ui`) in headless Chromium against the approvals service as a real
 * process (`services/approvals/src/main.ts`, as `pnpm --filter @fedplane/approvals start` runs
 * it) on real NATS and Postgres: configure, a request sent over NATS appears live (SSE read by
 * the page through fetch), approve signs the HMAC in the browser, the decision lands in Postgres
 * and on `fed.evt.approval.decided.<id>`; then 401 and 403 are shown and change nothing, and a
 * decision taken elsewhere moves the card live. Writes `test/artifacts/approvals-ui.png`.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'services/approvals/src/main.ts');
/** Debian's Chromium; `CHROMIUM_PATH` points elsewhere. Missing = a failure, never a skip. */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test/artifacts');
const SCREENSHOT = join(ARTIFACTS, 'approvals-ui.png');
const NAMESPACE = 'fleet/ui';
const OPERATOR = 'ops/alice';
const REQUESTER = 'svc/reconciler/ui-test';

let world: ApprovalsWorld;
let child: ChildProcess | undefined;
let exited: Promise<number | null> = Promise.resolve(null);
let output = '';
let url = '';
let browser: Browser | undefined;
let page: Page;
const pageProblems: string[] = [];

const CHROMIUM_MISSING = `Chromium is missing at ${CHROMIUM}: run apt-get install chromium`;

/** Fails the calling test (each one, so every test counts as failed) when Chromium is absent. */
function requireChromium(): void {
  if (!existsSync(CHROMIUM)) throw new Error(CHROMIUM_MISSING);
}

function logLine(msg: string): Record<string, unknown> | undefined {
  for (const line of output.split('\n')) {
    try {
      const o = JSON.parse(line) as Record<string, unknown>;
      if (o['msg'] === msg) return o;
    } catch {
      // not a JSON log line
    }
  }
  return undefined;
}

function startProcess(): void {
  child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@fedplane/source', MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'],
      NATS_URL: world.nats.url,
      DATABASE_URL: world.db.url,
      SERVICE_SECRET: TEST_SERVICE_SECRET,
      INSTANCE_ID: 'ui-1',
      HEALTH_PORT: '0',
      HEALTH_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      APPROVALS_HTTP_HOST: '127.0.0.1',
      APPROVALS_API_KEYS: API_KEY,
      APPROVALS_HMAC_SECRET: HMAC_SECRET,
      // What lets the operator's stream see requests of other agents in the namespace.
      APPROVALS_RULES: JSON.stringify([
        { action_type: '*', namespace: NAMESPACE, agent: OPERATOR, decision: 'approve' },
      ]),
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const proc = child;
  exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  world = await startWorld();
  startProcess();
  await eventually(() => logLine('approvals ready') !== undefined, 40_000, 'approvals ready');
  const ready = logLine('approvals ready') ?? {};
  url = `http://127.0.0.1:${String(ready['http_port'])}`;
  const health = `http://127.0.0.1:${String(ready['health_port'])}/readyz`;
  await eventually(async () => (await fetch(health)).status === 200, 20_000, 'approvals /readyz');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage();
  page.on('pageerror', (err) => pageProblems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (/Content Security Policy|Trusted Type|Uncaught/i.test(msg.text())) {
      pageProblems.push(`console: ${msg.text()}`);
    }
  });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  if (child !== undefined && child.exitCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child?.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  await world?.close();
}, 60_000);

function ask(req: Partial<ApprovalRequest>) {
  return request(
    world.bus.nc,
    FixedSubject.approvalsRequest,
    {
      action_type: 'decommission_node',
      namespace: NAMESPACE,
      requested_by: REQUESTER,
      payload: {},
      ...req,
    },
    { schema: ApprovalRequestReplySchema },
  );
}

async function row(id: string): Promise<Record<string, unknown> | undefined> {
  const res = await world.pool.query<Record<string, unknown>>(
    'SELECT status, decided_by, remember FROM pending_actions WHERE id = $1',
    [id],
  );
  return res.rows[0];
}

async function rules(actionType: string): Promise<Record<string, unknown>[]> {
  const res = await world.pool.query<Record<string, unknown>>(
    `SELECT decision, remember FROM approval_rules
      WHERE action_type = $1 AND namespace = $2 AND agent_id = $3`,
    [actionType, NAMESPACE, REQUESTER],
  );
  return res.rows;
}

async function configure(secret: string): Promise<void> {
  await page.getByLabel('API key').fill(API_KEY);
  await page.getByLabel('Agent id').fill(OPERATOR);
  await page.getByLabel('HMAC secret').fill(secret);
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: 15_000 });
}

const card = (id: string) => page.locator(`li.card[data-id="${id}"]`);

describe('the approvals console in Chromium', () => {
  it('is served by the service with a same-origin-only CSP', async () => {
    requireChromium();
    const res = await fetch(`${url}/ui`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(await res.text()).toContain('<title>Approvals · fedplane</title>');
  });

  it('shows a request sent over NATS live, and approves it with a browser-signed HMAC', async () => {
    requireChromium();
    await page.goto(`${url}/ui`);
    await configure(HMAC_SECRET);
    // Kept for this tab only: three session entries, nothing in localStorage or cookies.
    expect(await page.evaluate<number>('sessionStorage.length')).toBe(3);
    expect(await page.evaluate<number>('localStorage.length')).toBe(0);
    expect(await page.context().cookies()).toEqual([]);

    const reply = await ask({ payload: { node: 'region/nyc/node-7', reason: 'retired' } });
    expect(reply.status).toBe('pending');
    const id = reply.pending_id;
    // Connected before the request existed, with the periodic re-sync at 60 s: only the stream
    // can bring it this soon, and only a stream frame is announced.
    await card(id).waitFor({ timeout: 15_000 });
    expect(await card(id).locator('xpath=..').getAttribute('id')).toBe('pending-list');
    await expect
      .poll(() => page.locator('#announcer').textContent(), { timeout: 5_000 })
      .toContain(`New request: decommission_node in ${NAMESPACE} from ${REQUESTER}.`);
    await expect
      .poll(() => card(id).locator('details.payload pre').textContent(), { timeout: 5_000 })
      .toContain('region/nyc/node-7');

    await card(id).getByRole('button', { name: 'Approve' }).click();
    const decided = page.locator(`#decided-list li.card[data-id="${id}"][data-status="approved"]`);
    await decided.waitFor({ timeout: 15_000 });
    expect(await decided.locator('.badge').textContent()).toBe('Approved');
    // The clicked button is gone with the decision; keyboard focus stays on the pending list.
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('pending-h');
    expect(await decided.locator('.meta').textContent()).toContain(`${OPERATOR} (remember: once)`);

    expect(await row(id)).toEqual({ status: 'approved', decided_by: OPERATOR, remember: 'once' });
    const subject = eventSubject('approval.decided', id);
    let event: { type?: string; data?: Record<string, unknown> } = {};
    await eventually(
      async () => {
        try {
          const msg = await world.bus.jsm.streams.getMessage(StreamName.events, {
            last_by_subj: subject,
          });
          event = JSON.parse(fromUtf8(msg?.data ?? new Uint8Array()) ?? '{}') as typeof event;
          return true;
        } catch {
          return false;
        }
      },
      15_000,
      `${subject} in ${StreamName.events}`,
    );
    expect(event.type).toBe('approval.decided');
    expect(event.data).toMatchObject({ pending_id: id, decision: 'approve', decider: OPERATOR });

    // One more pending, so the screenshot shows both states.
    const next = await ask({ action_type: 'enable_strict', payload: { nodes: 1000 } });
    await card(next.pending_id).waitFor({ timeout: 15_000 });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`approvals-ui screenshot: ${SCREENSHOT}`);
    expect(pageProblems).toEqual([]);
  });

  it('shows 401 and 403 clearly, changes nothing, and follows a decision taken elsewhere', async () => {
    requireChromium();
    const { pending_id: id } = await ask({
      action_type: 'sync_dlq_replay',
      approvers: { kind: 'agent', agent_id: 'ops/bob' },
    });
    const { pending_id: own } = await ask({ namespace: 'fleet/self', requested_by: OPERATOR });

    await page.getByRole('button', { name: 'Forget' }).click();
    expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
    await configure('not-the-hmac-secret');
    await card(id).waitFor({ timeout: 15_000 });
    await card(id).getByRole('button', { name: 'Deny' }).click();
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent(), { timeout: 10_000 }).toContain('(401)');
    expect(await row(id)).toMatchObject({ status: 'pending', decided_by: null });

    await page.getByRole('button', { name: 'Forget' }).click();
    await configure(HMAC_SECRET);
    await card(id).waitFor({ timeout: 15_000 });
    await card(id).getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => alert.textContent(), { timeout: 10_000 }).toContain('Forbidden (403)');
    expect(await card(id).locator('.note').textContent()).toContain('(403)');
    expect(await row(id)).toMatchObject({ status: 'pending', decided_by: null });

    // Your own request: listed (the stream shows a subscriber its own requests), not approvable.
    await card(own).waitFor({ timeout: 15_000 });
    expect(await card(own).getByRole('button', { name: 'Approve' }).isDisabled()).toBe(true);
    expect(await card(own).getByRole('button', { name: 'Deny' }).isEnabled()).toBe(true);

    const signed = signedDecision({ id, decider: 'ops/bob', decision: 'approve' });
    expect((await postDecision(url, id, signed)).status).toBe(200);
    await page
      .locator(`#decided-list li.card[data-id="${id}"][data-status="approved"]`)
      .waitFor({ timeout: 15_000 });
    expect(await card(id).locator('.meta').textContent()).toContain('ops/bob');
    expect(pageProblems).toEqual([]);
  });

  it('records the remember choice: session after Deny, forever only once confirmed', async () => {
    requireChromium();
    const { pending_id: id } = await ask({ action_type: 'issuer_key_rotate' });
    await card(id).waitFor({ timeout: 15_000 });
    await card(id).getByLabel('Remember').selectOption('session');
    await card(id).getByRole('button', { name: 'Deny' }).click();
    await page
      .locator(`#decided-list li.card[data-id="${id}"][data-status="denied"]`)
      .waitFor({ timeout: 15_000 });
    expect(await row(id)).toEqual({ status: 'denied', decided_by: OPERATOR, remember: 'session' });
    expect(await rules('issuer_key_rotate')).toEqual([{ decision: 'deny', remember: 'session' }]);

    const { pending_id: strict } = await ask({ action_type: 'enable_strict' });
    await card(strict).waitFor({ timeout: 15_000 });
    await card(strict).getByLabel('Remember').selectOption('forever');
    const dialogs: string[] = [];
    page.once('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await card(strict).getByRole('button', { name: 'Approve' }).click();
    await eventually(() => dialogs.length === 1, 5_000, 'the confirmation dialog');
    expect(dialogs[0]).toContain('permanent rule');
    expect(await row(strict)).toMatchObject({ status: 'pending' });

    page.once('dialog', (dialog) => void dialog.accept());
    await card(strict).getByRole('button', { name: 'Approve' }).click();
    await page
      .locator(`#decided-list li.card[data-id="${strict}"][data-status="approved"]`)
      .waitFor({ timeout: 15_000 });
    expect(await row(strict)).toMatchObject({ status: 'approved', remember: 'forever' });
    expect(await rules('enable_strict')).toEqual([{ decision: 'approve', remember: 'forever' }]);
    expect(pageProblems).toEqual([]);
  });
});
