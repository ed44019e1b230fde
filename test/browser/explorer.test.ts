// The statechart explorer (diagrams/index.html) opened from disk in a real browser, as a reader
// would: every label legible at 100 %, states clickable, the simulator and test paths visible on
// the diagram, zoom working. Screenshots of each machine land in test-artifacts/browser/.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { ExplorerMachine } from '../../scripts/diagrams/explorer-model.js';
import { transitionsOf } from '../../scripts/diagrams/explorer-model.js';
import { beforeAll, ROOT } from '../support/processes.js';
import { laptopPage, launch, screenshot } from './browser.js';

let browser: Browser;
let page: Page;
let errors: string[];
let machines: ExplorerMachine[];

beforeAll(async () => {
  browser = await launch();
  ({ page, errors } = await laptopPage(browser));
  await page.goto(pathToFileURL(join(ROOT, 'diagrams', 'index.html')).href);
  await page.waitForSelector('body[data-explorer="ready"]');
  machines = JSON.parse((await page.textContent('#explorer-data')) ?? '[]') as ExplorerMachine[];
});

test.after(async () => {
  await browser?.close();
});

test('every machine is on the page, and no diagram text renders under 10 px at 100 %', async () => {
  assert.ok(machines.length >= 4, 'the machines are listed');
  for (const m of machines) {
    await page.locator(`#${m.name}`).scrollIntoViewIfNeeded();
    await screenshot(page, `explorer-${m.name}`, `#${m.name}`);
  }
  const sizes = await page.$$eval('section.machine .viewport svg text', (texts) =>
    texts
      .filter((t) => (t.textContent ?? '').trim() !== '')
      .map((t) => {
        const el = t as SVGTextElement;
        const scale = el.getScreenCTM()?.a ?? 0;
        return {
          text: el.textContent ?? '',
          px: Number.parseFloat(getComputedStyle(el).fontSize) * scale,
        };
      }),
  );
  assert.ok(sizes.length > 50, `found ${sizes.length} labels`);
  const small = sizes.filter((s) => s.px < 10).map((s) => `${s.text} (${s.px.toFixed(1)} px)`);
  assert.equal(small, [], 'labels under 10 px');
  assert.equal(errors, []);
});

test('no label overlaps another or a state, and text inside a state stays inside its border', async () => {
  const problems = await page.$$eval('section.machine .viewport svg', (svgs) => {
    const out: string[] = [];
    const inside = (a: DOMRect, b: DOMRect): boolean =>
      a.left >= b.left - 0.5 &&
      a.right <= b.right + 0.5 &&
      a.top >= b.top - 0.5 &&
      a.bottom <= b.bottom + 0.5;
    const overlap = (a: DOMRect, b: DOMRect): boolean =>
      a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
    for (const svg of svgs) {
      const texts = [...svg.querySelectorAll('text')].filter(
        (t) => (t.textContent ?? '').trim() !== '',
      );
      const rects = texts.map((t) => t.getBoundingClientRect());
      for (let i = 0; i < texts.length; i++) {
        for (let j = i + 1; j < texts.length; j++) {
          if (overlap(rects[i]!, rects[j]!))
            out.push(`"${texts[i]!.textContent}" overlaps "${texts[j]!.textContent}"`);
        }
      }
      // Arrow labels keep off every state's box.
      const boxes = [...svg.querySelectorAll('g.node')].map((n) => ({
        id: n.id,
        rect: n.getBoundingClientRect(),
      }));
      for (const label of svg.querySelectorAll('g.edge text')) {
        const r = label.getBoundingClientRect();
        for (const box of boxes)
          if (overlap(r, box.rect)) out.push(`"${label.textContent}" is drawn over ${box.id}`);
      }
      for (const node of svg.querySelectorAll('g.node')) {
        const shapes = [...node.querySelectorAll('path, polygon, ellipse')];
        if (shapes.length === 0) out.push(`${node.id} has no border`);
        // The innermost border (a final state draws two).
        const border = shapes
          .map((s) => s.getBoundingClientRect())
          .reduce((a, b) => (a.width * a.height <= b.width * b.height ? a : b));
        for (const t of node.querySelectorAll('text')) {
          if (!inside(t.getBoundingClientRect(), border))
            out.push(`"${t.textContent}" crosses the border of its state`);
        }
      }
    }
    return out;
  });
  assert.equal(problems, []);
});

test('clicking a state lists its transitions (with guards and targets) and what it can reach', async () => {
  const session = machines.find((m) => m.machineId === 'session');
  const active = session?.states.find((s) => s.key === 'active');
  assert.ok(session && active, 'the session machine has an active state');
  await page.locator(`[id="session-state:${active.id}"]`).click();
  await page.waitForFunction(
    () => document.querySelector('#session .details h3')?.textContent === 'State active',
  );
  const items = await page.locator('#session .details .transitions li').allTextContents();
  const expected = transitionsOf(session, active.id);
  assert.is(items.length, expected.length, items.join('\n'));
  for (const [i, { transition }] of expected.entries())
    assert.ok(
      items[i]?.startsWith(transition.trigger),
      `${items[i]} starts with ${transition.trigger}`,
    );
  assert.ok(
    items.some((i) => i.includes('isLogout')),
    'a logout request is listed',
  );
  assert.ok(
    (await page.locator('#session .details .reachable button').count()) > 0,
    'reachable states are listed',
  );
  assert.is(
    await page.locator('[id="session-state:session.open.active"].selected').count(),
    1,
    'the state is outlined',
  );
  const stroke = await page.$eval(
    '[id="session-state:session.open.active"] path',
    (p) => getComputedStyle(p).strokeWidth,
  );
  assert.is(stroke, '3px', 'the outline is drawn');
  await screenshot(page, 'explorer-session-selected', '#session');
});

test('a simulation step moves the highlight to the state the event leads to', async () => {
  const section = '#lockout';
  await page.locator(`${section} .sim-start`).click();
  const lockout = machines.find((m) => m.machineId === 'lockout');
  const initial = lockout?.states.find((s) => s.id === lockout.states[0]?.initialId);
  assert.ok(initial);
  await page.waitForFunction(
    (id) =>
      document.querySelector(`[id="lockout-state:${id}"]`)?.classList.contains('sim-active') ===
      true,
    initial.id,
  );
  const button = page.locator(`${section} .sim-events button`).first();
  const label = (await button.textContent()) ?? '';
  const targetKey = label.split(' → ').at(-1) ?? '';
  const target = lockout?.states.find((s) => s.key === targetKey && s.parentId !== undefined);
  assert.ok(target && target.id !== initial.id, `the first event (${label}) leads elsewhere`);
  await button.click();
  await page.waitForFunction(
    (id) =>
      document.querySelector(`[id="lockout-state:${id}"]`)?.classList.contains('sim-active') ===
      true,
    target.id,
  );
  assert.is(
    await page.locator(`[id="lockout-state:${initial.id}"].sim-active`).count(),
    0,
    'the old state is no longer highlighted',
  );
  assert.is(await page.getAttribute(section, 'data-sim-state'), target.key);
  await screenshot(page, 'explorer-lockout-simulated', section);
});

test('the simulator advances delays and runs invoked actors to their outcome', async () => {
  const section = '#session';
  await page.locator(`${section} .sim-start`).click();
  await page.locator(`${section} .sim-events button`, { hasText: 'advance time' }).first().click();
  await page.waitForFunction(
    () => document.querySelector('#session')?.getAttribute('data-sim-state') === 'draining',
  );
  await page.locator(`${section} .sim-start`).click();
  // Walk a login to the active state: the handshake, then each eventless choice (what the client
  // sent next) and each invoked actor's outcome, picked by its button.
  const click = (text: string) =>
    page.locator(`${section} .sim-events button`, { hasText: text }).first().click();
  await click('[supportedVersion]');
  await click('[nextIsUsername]');
  await page
    .locator(`${section} .sim-events button[data-event^="xstate.done.actor"]`, { hasNotText: '[' })
    .first()
    .click();
  await click('[nextIsPassword]');
  await click('[accepted]');
  await page
    .locator(`${section} .sim-events button[data-event^="xstate.done.actor"]`)
    .first()
    .click();
  await page.waitForFunction(
    () => document.querySelector('#session')?.getAttribute('data-sim-state') === 'active',
  );
});

test('a test path is drawn on the diagram', async () => {
  const button = page.locator('#transfer-sender .paths button').first();
  await button.click();
  assert.is(await button.getAttribute('aria-pressed'), 'true');
  assert.ok(
    (await page.locator('#transfer-sender g.path-edge').count()) > 0,
    'the path’s arrows are highlighted',
  );
  assert.ok(
    (await page.locator('#transfer-sender .path-steps:not([hidden]) li').count()) > 0,
    'its steps are listed',
  );
  await screenshot(page, 'explorer-transfer-sender-path', '#transfer-sender');
});

test('dragging the diagram pans it', async () => {
  const viewport = page.locator('#session .viewport');
  await viewport.scrollIntoViewIfNeeded();
  await viewport.evaluate((v) => v.scrollTo(0, 0));
  const box = await viewport.boundingBox();
  assert.ok(box);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 - 150, box.y + box.height / 2 - 80, { steps: 5 });
  await page.mouse.up();
  const scrolled = await viewport.evaluate((v) => [v.scrollLeft, v.scrollTop]);
  assert.equal(scrolled, [150, 80]);
});

test('zoom buttons scale the diagram; 100 % restores its natural size', async () => {
  const width = () =>
    page.$eval('#session .viewport svg', (svg) => svg.getBoundingClientRect().width);
  const natural = await width();
  await page.locator('#session [data-zoom="in"]').click();
  assert.ok((await width()) > natural * 1.2);
  assert.is(await page.textContent('#session .zoom-level'), '125 %');
  await page.locator('#session [data-zoom="fit"]').click();
  const fits = await page.$eval('#session .viewport', (v) => {
    const svg = v.querySelector('svg')?.getBoundingClientRect();
    return (
      svg !== undefined &&
      svg.width <= v.clientWidth + 1 &&
      svg.height <= window.innerHeight * 0.72 + 1
    );
  });
  assert.ok(fits, 'Fit shows the whole diagram');
  await page.locator('#session [data-zoom="reset"]').click();
  assert.is(await width(), natural);
  assert.equal(errors, []);
});

test.run();
