#!/usr/bin/env node
/**
 * Where a replay's time to first rows goes, measured in Chromium as the e2e test opens it (sign in
 * through the form, then navigate to /sessions/:id in the same page), against one or more running
 * Cairn servers — two builds of the dashboard alternate open by open, for an A/B in the same
 * minutes. Per open:
 *   - the wall time from navigation to the first tree row (as the e2e test measures it), split
 *     into: goto → the navigation's start (timeOrigin), the in-page time of that row (a
 *     MutationObserver, performance clock from navigation start) and of the frame that paints it,
 *     and "seen": how long waitForSelector took to notice (it polls at 0, 20, 70, 170, 270 ms after
 *     the load event, then every 500 ms, and each poll needs the page's main thread);
 *   - per open: the session check's answer, `cairn:main` and the app's first-page mark;
 *   - the request waterfall: every request the page made before the first row, with start and end
 *     (Resource Timing) — how many round trips precede the first page of steps;
 *   - the app's own `cairn:*` User Timing marks, when the build has them;
 *   - with --trace: main-thread time by activity until the first row (Chromium trace, self time of
 *     each event, grouped: parse/compile, script, GC, style/layout, paint, other; the rest of the
 *     wall time is the thread idle, i.e. waiting for the network). Proportions, not absolute times,
 *     compare across loaded machines.
 *
 * Servers: `HTTP_PORT=4011 OTLP_PORT=4329 STOP_FILE=/tmp/x-stop BIG=1 [DIST=<dist>] npx vitest run -c
 * dashboard/dev/vitest.dev.config.ts` (a 10,000-step session `sess-big-10k`); then
 *   node bench/dashboard/replay-profile.mjs --url new=http://127.0.0.1:4011 --url main=http://127.0.0.1:4012 [--rounds 5] [--trace]
 */
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { load1, median } from '../lib.mjs';

const { values } = parseArgs({
  options: {
    url: { type: 'string', multiple: true, default: ['http://127.0.0.1:4010'] },
    rounds: { type: 'string', default: '3' },
    session: { type: 'string', default: 'sess-big-10k' },
    key: { type: 'string', default: 'cairn_ak_' + 'y'.repeat(24) },
    trace: { type: 'boolean', default: false },
    'cpu-profile': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});
const targets = values.url.map((u, i) => {
  const eq = u.indexOf('=');
  return eq > 0 && !u.startsWith('http') ? { label: u.slice(0, eq), base: u.slice(eq + 1) } : { label: `#${i + 1}`, base: u };
});

/** Trace event names → the group their self time counts in. */
const GROUPS = [
  [
    'parse/compile',
    /^(v8\.(compile|parseOnBackground|compileModule|produceCache|deserializeOnBackground)|V8\.(Compile|ParseFunction|Parse|Preparse)|ParseHTML|ParseAuthorStyleSheet|CompileScript|CompileCode|CacheScript)/i,
  ],
  ['gc', /(GC|Scavenge|MarkCompact|garbage)/i],
  [
    'style/layout',
    /^(UpdateLayoutTree|Layout|RecalculateStyles|InvalidateLayout|ScheduleStyleRecalculation|PrePaint|LayoutShift|IntersectionObserverController)/,
  ],
  ['paint', /^(Paint|PaintImage|Layerize|UpdateLayer|UpdateLayerTree|Commit|CompositeLayers|RasterTask|Decode|ImageDecodeTask)/],
  [
    'script',
    /^(EvaluateScript|FunctionCall|TimerFire|EventDispatch|v8\.|V8\.|RunMicrotasks|FireAnimationFrame|FireIdleCallback|XHRReadyStateChange|v8\.run|v8\.callFunction|v8\.evaluateModule|ProfileCall|ResourceReceivedData)/,
  ],
];
const groupOf = (name) => GROUPS.find(([, re]) => re.test(name))?.[0] ?? 'other';

/**
 * Self time (ms) of main-thread trace events by group, from `fromUs` to `toUs` (trace clock). CPU
 * time of the thread (`tdur`) where the trace has it — what the work costs, whatever else runs on
 * the machine — else wall time (`dur`).
 */
function mainThreadTime(events, fromUs, toUs) {
  const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  if (!main) return undefined;
  const mine = events
    .filter(
      (e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur !== undefined && e.ts >= fromUs && e.ts < toUs,
    )
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const cost = (e) => e.tdur ?? e.dur;
  const self = new Map();
  const stack = []; // [event, childTime]
  const close = (upTo) => {
    while (stack.length && stack.at(-1)[0].ts + stack.at(-1)[0].dur <= upTo) {
      const [e, child] = stack.pop();
      self.set(e.name, (self.get(e.name) ?? 0) + Math.max(0, cost(e) - child));
      if (stack.length) stack.at(-1)[1] += cost(e);
    }
  };
  for (const e of mine) {
    close(e.ts);
    stack.push([e, 0]);
  }
  close(Infinity);
  const groups = {};
  let busy = 0;
  for (const [name, us] of self) {
    if (name === 'RunTask' || name === 'ThreadControllerImpl::RunTask') {
      groups.other = (groups.other ?? 0) + us / 1000;
    } else {
      const g = groupOf(name);
      groups[g] = (groups[g] ?? 0) + us / 1000;
    }
    busy += us / 1000;
  }
  const top = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([n, us]) => `${n} ${(us / 1000).toFixed(0)}`);
  return { groups, busy, top, cpuClock: mine.some((e) => e.tdur !== undefined) };
}

/**
 * Self time (ms) of JS functions in a V8 CPU profile between two trace-clock times (µs; the
 * profile's clock is the trace's). Run against an unminified build (`vite build --minify false`)
 * for names. Sampled wall time of the thread, so only its proportions mean much on a loaded machine.
 */
function profileSelf(profile, fromUs, toUs) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    const next = i + 1 < profile.timeDeltas.length ? profile.timeDeltas[i + 1] : 0;
    if (t < fromUs || t >= toUs) continue;
    const f = byId.get(profile.samples[i]).callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url ? f.url.replace(/^.*\//, '') + ':' + f.lineNumber : ''}`.trim();
    self.set(name, (self.get(name) ?? 0) + next / 1000);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return { total, top: [...self].sort((a, b) => b[1] - a[1]).slice(0, 14) };
}

async function openOnce(browser, { label, base }) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
  await page.goto(`${base}/sign-in`);
  await page.fill('#admin-key', values.key);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/sessions/);
  // As the e2e test: the list has shown and asks nothing more before the replay opens.
  await page.waitForSelector('[data-testid=sessions-table] tbody tr');
  await page.waitForLoadState('networkidle');
  await page.addInitScript(() => {
    new MutationObserver((_, obs) => {
      if (document.querySelector('[data-testid=step-tree] .tree-row')) {
        window.__firstRows = performance.now();
        // The frame that paints them: its animation frame callbacks run just before the paint.
        requestAnimationFrame(() => (window.__rowsFrame = performance.now()));
        obs.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  if (values.trace)
    await browser.startTracing(page, {
      categories: [
        'devtools.timeline',
        'disabled-by-default-devtools.timeline',
        'v8.execute',
        'v8',
        'blink.user_timing',
        'toplevel',
      ],
    });
  let cdp;
  if (values['cpu-profile']) {
    cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  const t0 = Date.now();
  await page.goto(`${base}/sessions/${encodeURIComponent(values.session)}`);
  await page.waitForSelector('[data-testid=step-tree] .tree-row');
  const wall = Date.now() - t0;
  const info = await page.evaluate(() => {
    const rows = window.__firstRows;
    const frame = window.__rowsFrame;
    const nav = performance.getEntriesByType('navigation')[0];
    const res = performance
      .getEntriesByType('resource')
      .filter((e) => e.startTime < rows)
      .map((e) => {
        const u = new URL(e.name);
        return {
          what: (u.pathname + u.search).replace(/^\/assets\//, '').replace(/-[\w-]{8}\.(js|css)$/, '.$1'),
          start: e.startTime,
          end: e.responseEnd,
          kB: e.encodedBodySize / 1024,
        };
      });
    const marks = performance
      .getEntriesByType('mark')
      .filter((m) => m.name.startsWith('cairn:'))
      .map((m) => [m.name, m.startTime]);
    const measures = performance
      .getEntriesByType('measure')
      .filter((m) => m.name.startsWith('cairn:'))
      .map((m) => [m.name, m.duration]);
    return {
      rows,
      frame,
      htmlEnd: nav?.responseEnd,
      dcl: nav?.domContentLoadedEventEnd,
      res,
      marks,
      measures,
      origin: performance.timeOrigin,
    };
  });
  const profile = cdp ? (await cdp.send('Profiler.stop')).profile : undefined;
  let cpu;
  if (values.trace) {
    const buf = await browser.stopTracing();
    const { traceEvents } = JSON.parse(buf.toString());
    // The navigation's start on the trace clock: the trace's navigationStart mark of this document.
    const navStart = traceEvents
      .filter((e) => e.name === 'navigationStart' && e.args?.data?.documentLoaderURL?.includes('/sessions/'))
      .map((e) => e.ts)
      .sort((a, b) => b - a)[0];
    // Two windows: until the first page of steps is in the page (the app's mark, else the
    // response's end), then from there to the first rows (JSON parse is in the first one).
    const steps = info.res.find((e) => e.what.startsWith(`/api/sessions/${values.session}`));
    const split = info.marks.find(([n]) => n === 'cairn:replay:first-page')?.[1] ?? steps?.end ?? info.rows;
    if (navStart !== undefined)
      cpu = {
        before: mainThreadTime(traceEvents, navStart, navStart + split * 1000),
        after: mainThreadTime(traceEvents, navStart + split * 1000, navStart + info.rows * 1000),
        // From the rows to when waitForSelector saw them (its polls need this thread too).
        seen: mainThreadTime(traceEvents, navStart + info.rows * 1000, navStart + (wall - (info.origin - t0)) * 1000),
        split,
      };
    if (profile && navStart !== undefined) {
      cpu.jsBefore = profileSelf(profile, navStart, navStart + split * 1000);
      cpu.jsAfter = profileSelf(profile, navStart + split * 1000, navStart + info.rows * 1000);
    }
  }
  await page.close();
  // The wall time is goto → navigation start (the browser's own clock, timeOrigin) + in-page time of
  // the rows + how long waitForSelector took to see them (it polls, backing off to 500 ms).
  const nav = info.origin - t0;
  return { label, wall, nav, seen: wall - nav - info.rows, ...info, cpu };
}

const fmt = (v) => (v === undefined ? '?' : Math.round(v));
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
});
const results = [];
for (let r = 0; r < Number(values.rounds); r++) {
  for (const t of targets) {
    const o = await openOnce(browser, t);
    results.push(o);
    const steps = o.res.find((e) => e.what.startsWith(`/api/sessions/${values.session}`));
    const apis = o.res.filter((e) => e.what.startsWith('/api/'));
    const me = o.res.find((e) => e.what === '/api/auth/me');
    const mark = (name) => o.marks.find(([n]) => n === name)?.[1];
    console.log(
      `${t.label.padEnd(6)} wall ${fmt(o.wall)} ms = nav ${fmt(o.nav)} + in-page rows ${fmt(o.rows)} (their frame ${fmt(o.frame)}) + seen ${fmt(o.seen)} | html ${fmt(o.htmlEnd)} dcl ${fmt(o.dcl)} | ` +
        `steps req ${fmt(steps?.start)}→${fmt(steps?.end)} (${steps ? steps.kB.toFixed(0) : '?'} kB), me →${fmt(me?.end)}, main ${fmt(mark('cairn:main'))}, first page in app ${fmt(mark('cairn:replay:first-page'))} | ${apis.length} API request(s) before rows | load ${load1()}`,
    );
    if (values.verbose) {
      for (const e of o.res)
        console.log(
          `         ${fmt(e.start).toString().padStart(5)} → ${fmt(e.end).toString().padStart(5)}  ${e.what} ${e.kB.toFixed(1)} kB`,
        );
      for (const [n, at] of o.marks) console.log(`         mark ${n} @ ${fmt(at)}`);
      for (const [n, d] of o.measures) console.log(`         measure ${n} ${d.toFixed(1)} ms`);
    }
    for (const [what, w] of o.cpu
      ? [
          [`until first page (${fmt(o.cpu.split)} ms)`, o.cpu.before],
          ['first page → rows', o.cpu.after],
          [`rows → seen (${fmt(o.seen)} ms)`, o.cpu.seen],
        ]
      : []) {
      if (!w) continue;
      const g = Object.entries(w.groups)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${v.toFixed(0)}`)
        .join(', ');
      console.log(`         main thread ${w.cpuClock ? 'CPU' : 'wall'} ${what}: ${w.busy.toFixed(0)} ms — ${g}`);
      if (values.verbose) console.log(`           top: ${w.top.join(', ')}`);
    }
    for (const [what, p] of o.cpu?.jsAfter
      ? [
          ['until first page', o.cpu.jsBefore],
          ['first page → rows', o.cpu.jsAfter],
        ]
      : []) {
      console.log(`         JS samples ${what}: ${p.total.toFixed(0)} ms`);
      for (const [n, ms] of p.top) console.log(`           ${ms.toFixed(1).padStart(7)}  ${n}`);
    }
  }
}
await browser.close();

console.log('\nmedian per build:');
for (const t of targets) {
  const mine = results.filter((o) => o.label === t.label);
  const pick = (f) => median(mine.map(f).filter((v) => v !== undefined));
  const steps = (o) => o.res.find((e) => e.what.startsWith(`/api/sessions/${values.session}`));
  console.log(
    `${t.label.padEnd(6)} wall ${fmt(pick((o) => o.wall))} ms (${mine.map((o) => o.wall).join(' / ')}), in-page rows ${fmt(pick((o) => o.rows))} ms, ` +
      `steps requested ${fmt(pick((o) => steps(o)?.start))} answered ${fmt(pick((o) => steps(o)?.end))} ms`,
  );
}
if (targets.length === 2) {
  const [a, b] = targets.map((t) => median(results.filter((o) => o.label === t.label).map((o) => o.wall)));
  console.log(`ratio ${targets[0].label} / ${targets[1].label} (median wall): ${(a / b).toFixed(2)}`);
}
