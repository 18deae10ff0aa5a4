// The log view's page: filters, a live table, a summary and a chart, all from the JSON API.
// Every event string reaches the page through textContent or an attribute, never as markup.
'use strict';

const POLL_MS = 1000;        // how often the table asks for new events
const AGGREGATE_MS = 5000;   // the summary and chart are heavier: at most this often while events flow
const ORDER = ['deny', 'dryrun-deny', 'log', 'pass'];  // bottom to top in the chart
const SVG = 'http://www.w3.org/2000/svg';

let applied = new URLSearchParams();  // the filters in force: polls use these, not what is being typed
let generation = 0;                   // answers to an older generation of filters are dropped
let cursor = 0;
let rows = [];
let lastTimeline = null;
let aggregatePending = false;
let lastAggregate = 0;
let eventsLimit;                      // the server's default, from /api/meta
let errorFrom = null;                 // 'poll' or 'apply': a poll that works again clears only its own error

const $ = id => document.getElementById(id);

/** The log's text with control characters as \xHH, so a row stays one line (as `filewall log` prints a table). */
function shown(s) {
  return String(s).replace(/[\x00-\x1f\x7f]/g, c => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}

const pad = n => String(n).padStart(2, '0');
function localTime(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function showError(message, from) {
  errorFrom = from;
  $('error').textContent = message;
  $('error').hidden = false;
}

function clearError() {
  errorFrom = null;
  $('error').hidden = true;
  $('error').textContent = '';
}

/** GETs an endpoint; a filter's time without a zone is the browser's, as the page shows times in it. */
async function api(path, params, zoned = true) {
  const p = new URLSearchParams(params);
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zoned && zone) p.set('zone', zone);
  let r;
  try {
    r = await fetch(path + '?' + p, {cache: 'no-store'});
  } catch (e) {
    throw new Error('cannot reach the log view: ' + e.message);
  }
  let body = null;
  try {
    body = await r.json();
  } catch (e) {
    // reported below with the status
  }
  if (!r.ok || body === null) throw new Error(body && body.error ? body.error : `${path}: HTTP ${r.status}`);
  return body;
}

function formParams() {
  const p = new URLSearchParams();
  for (const el of $('filters').elements) {
    if (!el.name) continue;
    // a glob is taken as typed: a space can be part of a path
    const v = el.name === 'exe' || el.name === 'path' ? el.value : el.value.trim();
    if (v !== '') p.set(el.name, v);
  }
  return p;
}

function fillForm(p) {
  for (const el of $('filters').elements) if (el.name) el.value = p.get(el.name) ?? '';
}

function limit() {
  return Number(applied.get('limit')) || eventsLimit;
}

function cell(tr, text, cls, title) {
  const td = document.createElement('td');
  td.className = cls;
  td.textContent = text;
  if (title) td.title = title;
  tr.appendChild(td);
  return td;
}

function renderEvents(fresh) {
  const body = document.createDocumentFragment();
  for (const r of rows) {
    const e = r.event;
    const tr = document.createElement('tr');
    tr.dataset.id = r.id;
    if (fresh.has(r.id)) tr.className = 'new';
    cell(tr, localTime(r.ms), 'c-time', e.time);
    const a = cell(tr, e.action, 'c-action a-' + e.action, e.flags.length ? 'flags: ' + e.flags.join(', ') : '');
    if (e.flags.length) a.textContent += ' *';
    cell(tr, e.op, 'c-op');
    cell(tr, e.uid, 'c-uid num');
    cell(tr, e.pid, 'c-pid num', 'parent ' + e.ppid);
    cell(tr, e.rule === null ? '-' : e.rule, 'c-rule num');
    cell(tr, 1 + (e.repeats >>> 0), 'c-count num');
    cell(tr, shown(e.exe), 'c-exe', 'command line: ' + shown(e.cmdline));
    cell(tr, shown(e.path) + (e.path2 !== undefined ? ' -> ' + shown(e.path2) : ''), 'c-path');
    body.appendChild(tr);
  }
  $('events').tBodies[0].replaceChildren(body);
  $('events-note').textContent = rows.length === 0 ? 'no events match' : `${rows.length} shown`;
  $('status').textContent = `updated ${localTime(Date.now()).slice(11)}`;
}

async function loadEvents(gen) {
  const body = await api('api/events', applied);
  if (gen !== generation) return;
  rows = body.events;
  cursor = body.lastId;
  renderEvents(new Set());
  if (body.truncated) $('events-note').textContent += ` (the newest ${rows.length}; more match)`;
}

async function poll() {
  const gen = generation;
  const p = new URLSearchParams(applied);
  p.set('afterId', cursor);
  const body = await api('api/events', p);
  if (gen !== generation) return;
  cursor = body.lastId;
  if (body.events.length === 0) {
    $('status').textContent = `updated ${localTime(Date.now()).slice(11)}`;
    return;
  }
  const fresh = new Set(body.events.map(r => r.id));
  // more new events than the table holds: they are the table now
  rows = body.truncated ? body.events : body.events.concat(rows.filter(r => !fresh.has(r.id)))
      .sort((x, y) => y.ms - x.ms || y.id - x.id).slice(0, limit());
  renderEvents(fresh);
  scheduleAggregates();
}

function renderSummary(body) {
  $('summary-key').textContent = body.by;
  const rowsOut = document.createDocumentFragment();
  for (const s of body.rows) {
    const tr = document.createElement('tr');
    cell(tr, s.count, 'num');
    cell(tr, localTime(s.firstMs), 'c-time', s.first);
    cell(tr, localTime(s.lastMs), 'c-time', s.last);
    cell(tr, shown(s.key), 'c-key');
    rowsOut.appendChild(tr);
  }
  $('summary').tBodies[0].replaceChildren(rowsOut);
  $('summary-note').textContent = body.rows.length === 0 ? 'no events match'
      : body.truncated ? `the ${body.rows.length} largest` : `${body.rows.length} ${body.rows.length === 1 ? 'group' : 'groups'}`;
}

function svg(name, attrs, parent) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (parent) parent.appendChild(el);
  return el;
}

/** A round number at or above n, for the y axis. */
function niceCeil(n) {
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

function renderChart(t) {
  const box = $('chart');
  const n = t.counts.deny.length;
  const totals = Array.from({length: n}, (_, i) => ORDER.reduce((s, a) => s + t.counts[a][i], 0));
  const sum = totals.reduce((s, x) => s + x, 0);
  const legend = document.createDocumentFragment();
  legend.append(`per ${t.bucket}`);
  for (const a of ORDER) {
    const total = t.counts[a].reduce((s, x) => s + x, 0);
    if (total === 0) continue;
    const k = document.createElement('span');
    k.className = 'key a-' + a;
    k.textContent = `${a} ${total}`;
    legend.append(' ', k);
  }
  $('chart-note').replaceChildren(legend);
  if (t.start === null || sum === 0) {
    box.replaceChildren();
    $('chart-note').textContent = 'no events match';
    return;
  }
  const W = Math.max(320, box.clientWidth), H = 200, m = {l: 52, r: 10, t: 10, b: 30};
  const plotW = W - m.l - m.r, plotH = H - m.t - m.b;
  const top = niceCeil(Math.max(...totals));
  const bw = plotW / n;
  const root = svg('svg', {width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'events over time by action'});
  for (const f of [0, 0.5, 1]) {
    const y = m.t + plotH * (1 - f);
    svg('line', {x1: m.l, x2: W - m.r, y1: y, y2: y, class: 'grid'}, root);
    svg('text', {x: m.l - 6, y: y + 4, class: 'axis', 'text-anchor': 'end'}, root).textContent = String(Math.round(top * f));
  }
  for (let i = 0; i < n; i++) {
    if (totals[i] === 0) continue;
    const g = svg('g', {class: 'bucket'}, root);
    const from = t.start + i * t.bucketMs;
    svg('title', {}, g).textContent = `${localTime(from)} +${t.bucket}: ` +
        ORDER.filter(a => t.counts[a][i] > 0).map(a => `${a} ${t.counts[a][i]}`).join(', ');
    let y = m.t + plotH;
    for (const a of ORDER) {
      const c = t.counts[a][i];
      if (c === 0) continue;
      const h = Math.max(1, plotH * c / top);
      y -= h;
      svg('rect', {x: m.l + i * bw, y, width: Math.max(1, bw - (bw > 3 ? 1 : 0)), height: h, class: 'bar a-' + a}, g);
    }
  }
  const spanMs = n * t.bucketMs;
  const label = ms => spanMs >= 86400e3 ? localTime(ms).slice(5, 16) : t.bucketMs < 60e3 ? localTime(ms).slice(11) : localTime(ms).slice(11, 16);
  const ticks = Math.min(n, Math.max(2, Math.floor(plotW / 110)));
  for (let k = 0; k < ticks; k++) {
    const i = Math.round(k * (n - 1) / Math.max(1, ticks - 1));
    const x = m.l + (i + 0.5) * bw;
    svg('line', {x1: x, x2: x, y1: m.t + plotH, y2: m.t + plotH + 4, class: 'tick'}, root);
    svg('text', {x, y: H - 10, class: 'axis', 'text-anchor': 'middle'}, root).textContent = label(t.start + i * t.bucketMs);
  }
  box.replaceChildren(root);
}

async function loadAggregates(gen) {
  lastAggregate = Date.now();
  const by = new URLSearchParams(applied);
  by.delete('limit');
  by.set('by', $('summary-by').value);
  const timeline = new URLSearchParams(applied);
  timeline.delete('limit');
  const [s, t] = await Promise.all([api('api/summary', by), api('api/timeline', timeline)]);
  if (gen !== generation) return;
  renderSummary(s);
  lastTimeline = t;
  renderChart(t);
}

function scheduleAggregates() {
  if (aggregatePending) return;
  aggregatePending = true;
  setTimeout(async () => {
    aggregatePending = false;
    const gen = generation;
    try {
      await loadAggregates(gen);
    } catch (e) {
      if (gen === generation) showError(e.message, 'poll');
    }
  }, Math.max(0, lastAggregate + AGGREGATE_MS - Date.now()));
}

async function apply() {
  applied = formParams();
  const gen = ++generation;
  const qs = applied.toString();
  history.replaceState(null, '', location.pathname + (qs ? '?' + qs : ''));
  try {
    await Promise.all([loadEvents(gen), loadAggregates(gen)]);
    if (gen === generation) clearError();
  } catch (e) {
    if (gen !== generation) return;
    rows = [];
    renderEvents(new Set());
    showError(e.message, 'apply');
  }
}

async function tick() {
  const gen = generation;
  try {
    if ($('live').checked) {
      await poll();
      if (errorFrom === 'poll') clearError();
    }
  } catch (e) {
    // a poll of filters since replaced has nothing to say
    if (gen === generation) showError(e.message, 'poll');
  } finally {
    setTimeout(tick, POLL_MS);
  }
}

function options(select, values) {
  for (const v of values) {
    const o = document.createElement('option');
    o.value = v;
    o.textContent = v;
    select.appendChild(o);
  }
}

async function start() {
  let meta;
  try {
    meta = await api('api/meta', new URLSearchParams(), false);
  } catch (e) {
    showError(e.message, 'apply');
    return;
  }
  const form = $('filters');
  options(form.elements.op, meta.ops);
  options(form.elements.action, meta.actions);
  options($('summary-by'), meta.summaries);
  eventsLimit = meta.eventsLimit;
  form.elements.limit.placeholder = String(eventsLimit);
  fillForm(new URLSearchParams(location.search));
  form.addEventListener('submit', ev => {
    ev.preventDefault();
    apply();
  });
  $('reset').addEventListener('click', () => {
    fillForm(new URLSearchParams());
    apply();
  });
  $('summary-by').addEventListener('change', () => loadAggregates(generation).catch(e => showError(e.message, 'apply')));
  window.addEventListener('resize', () => lastTimeline && renderChart(lastTimeline));
  await apply();
  setTimeout(tick, POLL_MS);
}

document.addEventListener('DOMContentLoaded', start);
