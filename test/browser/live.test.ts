// The live view end to end: a real server with --inspect-port, a real client logging in and out,
// and the page in a real browser showing the session counts move (and never a password).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import {
  beforeAll,
  loggedIn,
  PASSWORDS,
  startServer,
  type ServerHandle,
} from '../support/processes.js';
import { laptopPage, launch, screenshot } from './browser.js';

let browser: Browser;
let server: ServerHandle;
let page: Page;
let errors: string[];
let url: string;

const badge = (stateId: string): string => `#session g.live-count[data-state="${stateId}"] text`;

/** Waits until the live badge on a session state reads `n`. */
async function countIs(stateId: string, n: number): Promise<void> {
  await page.waitForFunction(
    ([selector, text]) => document.querySelector(selector ?? '')?.textContent === text,
    [badge(stateId), String(n)] as const,
  );
}

beforeAll(async () => {
  server = await startServer({ args: ['--inspect-port', '0'] });
  const line = /Live statechart view on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(server.program.output);
  assert.ok(line, `the console names the live view:\n${server.program.output}`);
  url = line[1] ?? '';
  browser = await launch();
  ({ page, errors } = await laptopPage(browser));
});

test.after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the page served by the server shows the active count go to 1 at login and back to 0 at /logout', async () => {
  await page.goto(url);
  await page.waitForSelector('body[data-live="connected"]');
  await countIs('session.open.active', 0);
  const yoda = await loggedIn(server, 'Yoda');
  await countIs('session.open.active', 1);
  await page.locator('[id="session-state:session.open.active"]').scrollIntoViewIfNeeded();
  await screenshot(page, 'live-session-active-1');
  // The transition list names the user and the events, never what was typed.
  await page.waitForFunction(
    () => document.querySelector('#live ol')?.textContent?.includes('Yoda') === true,
  );
  const list = (await page.textContent('#live ol')) ?? '';
  assert.match(list, 'REQUEST password');
  assert.not.match(list, PASSWORDS.Yoda ?? 'no password', 'no password in the feed');
  yoda.type('/logout');
  await yoda.expect('Bye, Yoda!');
  await countIs('session.open.active', 0);
  await screenshot(page, 'live-session-active-0');
  assert.equal(errors, []);
});

test('the feed answers only GET on its own address', async () => {
  const events = await fetch(new URL('/events', url), { method: 'POST' });
  assert.is(events.status, 405);
  const other = await fetch(new URL('/secrets', url));
  assert.is(other.status, 404);
  const js = await fetch(new URL('/explorer.js', url));
  assert.is(js.status, 200);
  assert.match(js.headers.get('content-type') ?? '', 'text/javascript');
  const html = await fetch(url);
  assert.match(html.headers.get('content-security-policy') ?? '', "script-src 'self'");
});

test.run();
