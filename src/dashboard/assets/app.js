// The dashboard page: one EventSource, a full state on connect, then deltas at most once a second.
// Text only ever goes in through textContent: nothing from the run is parsed as HTML.
import { drawChart } from './chart.js';

const LIMITS = { seconds: 3600, minutes: 7 * 24 * 60, workers: 1000 };
let state = null;

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = String(text);
  if (className !== undefined) node.className = className;
  return node;
}

function formatCount(n) {
  return Number(n).toLocaleString('en-US');
}

function formatSecs(secs) {
  if (secs === null || secs === undefined) return '–';
  const s = Math.round(secs);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s % 60}s` : `${s}s`;
}

function formatTime(ms) {
  return new Date(ms).toLocaleTimeString();
}

function formatBytes(n) {
  if (n === null || n === undefined) return '–';
  return `${(n / 2 ** 20).toFixed(0)} MiB`;
}

function appendPoints(into, points, limit) {
  for (const key of ['t', 'done', 'failed']) {
    into[key].push(...points[key]);
    if (into[key].length > limit) into[key].splice(0, into[key].length - limit);
  }
}

function apply(frame) {
  if (frame.full || state === null) {
    state = {
      header: frame.header,
      operations: new Map(),
      failures: new Map(),
      workers: new Map(),
      seconds: { t: [], done: [], failed: [] },
      minutes: { t: [], done: [], failed: [] },
      otherFailures: 0,
    };
  }
  state.header = frame.header;
  state.otherFailures = frame.otherFailures;
  for (const row of frame.operations) state.operations.set(row.name, row);
  for (const group of frame.failures) state.failures.set(group.key, group);
  for (const worker of frame.workers) {
    state.workers.delete(worker.key); // kept in the order last seen, as the server keeps them
    state.workers.set(worker.key, worker);
  }
  // The server keeps the workers seen last; so does the page.
  for (const key of state.workers.keys()) {
    if (state.workers.size <= LIMITS.workers) break;
    state.workers.delete(key);
  }
  appendPoints(state.seconds, frame.seconds, LIMITS.seconds);
  appendPoints(state.minutes, frame.minutes, LIMITS.minutes);
  render();
}

function renderHeader() {
  const h = state.header;
  document.getElementById('execution-id').textContent = h.executionId;
  document.title = `mazepa ${h.status}: ${h.executionId}`;
  const done = h.succeeded + h.failed;
  const items = [
    ['status', h.status],
    ['elapsed', formatSecs(h.elapsedMs / 1000)],
    ['done', `${formatCount(done)} / ${formatCount(h.submitted)}`],
    ['succeeded', formatCount(h.succeeded)],
    ['failed', formatCount(h.failed)],
    ['skipped', formatCount(h.skipped)],
    ['retried', formatCount(h.retried)],
    ['in flight', formatCount(h.inFlight)],
    ['rate', `${h.ratePerSec.toFixed(1)}/s`],
    ['ETA', formatSecs(h.etaSecs)],
    ['queue', h.queue],
    [
      'last checkpoint',
      h.lastCheckpoint ? `${formatTime(h.lastCheckpoint.at)} (${formatCount(h.lastCheckpoint.completed)})` : '–',
    ],
  ];
  if (h.queueDepth) {
    items.push(['queue waiting', formatCount(h.queueDepth.waiting)]);
    items.push(['held by workers', formatCount(h.queueDepth.inFlight)]);
    items.push(['delayed', formatCount(h.queueDepth.delayed)]);
    if (h.queueDepth.deadLetters !== undefined) items.push(['dead letters', formatCount(h.queueDepth.deadLetters)]);
  }
  const list = document.getElementById('header');
  list.replaceChildren(
    ...items.map(([name, value]) => {
      const item = el('div');
      item.dataset.key = name;
      item.append(el('dt', name), el('dd', value));
      return item;
    }),
  );
  const error = document.getElementById('run-error');
  error.hidden = h.error === null;
  error.textContent = h.error ?? '';
}

function renderOperations() {
  const body = document.querySelector('#operations tbody');
  const rows = [...state.operations.values()].map((op) => {
    const tr = el('tr');
    tr.dataset.name = op.name;
    const cells = [op.name, op.submitted, op.inFlight, op.succeeded, op.failed, op.skipped, op.retried];
    const keys = ['name', 'submitted', 'inFlight', 'succeeded', 'failed', 'skipped', 'retried'];
    cells.forEach((value, i) => {
      const td = el('td', i === 0 ? value : formatCount(value));
      td.dataset.key = keys[i];
      tr.append(td);
    });
    tr.append(el('td', op.ratePerSec.toFixed(1)));
    const bar = el('progress');
    bar.max = Math.max(1, op.submitted);
    bar.value = op.succeeded + op.failed + op.skipped;
    const td = el('td');
    td.append(bar);
    tr.append(td);
    return tr;
  });
  body.replaceChildren(...rows);
}

function renderFailures() {
  const box = document.getElementById('failures');
  const groups = [...state.failures.values()].sort((a, b) => b.count - a.count);
  if (groups.length === 0) {
    box.replaceChildren(el('p', 'none', 'empty'));
  } else {
    const open = new Set([...box.querySelectorAll('details[open]')].map((d) => d.dataset.key));
    box.replaceChildren(
      ...groups.map((g) => {
        const details = el('details');
        details.dataset.key = g.key;
        details.open = open.has(g.key);
        const summary = el('summary');
        summary.append(
          el('span', formatCount(g.count), 'count'),
          el('span', `${g.operationName}: ${g.errorName}: ${g.firstLine}`, 'what'),
        );
        const seen = el(
          'p',
          `first ${formatTime(g.firstSeen)}, last ${formatTime(g.lastSeen)}; sample task ${g.sampleTaskId}`,
        );
        details.append(summary, seen, el('pre', g.sampleStack, 'stack'));
        return details;
      }),
    );
  }
  document.getElementById('other-failures').textContent =
    state.otherFailures > 0 ? `and ${formatCount(state.otherFailures)} in other groups` : '';
}

function renderWorkers() {
  const section = document.getElementById('workers-section');
  section.hidden = state.workers.size === 0;
  const body = document.querySelector('#workers tbody');
  const columns = [
    ['worker', (w) => `${w.host}:${w.pid}`],
    ['done', (w) => formatCount(w.done)],
    ['failed', (w) => formatCount(w.failed)],
    ['running', (w) => (w.running === null ? '–' : formatCount(w.running))],
    ['totalDone', (w) => (w.totalDone === null ? '–' : formatCount(w.totalDone))],
    ['lastSeen', (w) => formatTime(w.lastSeen)],
    ['memory', (w) => formatBytes(w.rssBytes)],
  ];
  body.replaceChildren(
    ...[...state.workers.values()].reverse().map((w) => {
      const tr = el('tr');
      tr.dataset.key = w.key;
      for (const [key, format] of columns) {
        const td = el('td', format(w));
        td.dataset.key = key;
        tr.append(td);
      }
      return tr;
    }),
  );
}

function renderChart() {
  const span = document.querySelector('input[name="span"]:checked').value;
  const series = state[span];
  const canvas = document.getElementById('chart');
  canvas.dataset.points = String(series.t.length);
  drawChart(canvas, series.t, [
    { values: series.done, color: '#1f6feb' },
    { values: series.failed, color: '#d1242f' },
  ]);
}

function render() {
  renderHeader();
  renderOperations();
  renderFailures();
  renderWorkers();
  renderChart();
}

function connect() {
  const connection = document.getElementById('connection');
  const source = new EventSource('/api/events');
  const onFrame = (message) => {
    connection.textContent = 'live';
    connection.className = 'connection';
    apply(JSON.parse(message.data));
  };
  source.addEventListener('full', onFrame);
  source.addEventListener('delta', onFrame);
  source.addEventListener('open', () => {
    connection.textContent = 'live';
    connection.className = 'connection';
  });
  source.addEventListener('error', () => {
    connection.textContent = 'disconnected: reconnecting…';
    connection.className = 'connection lost';
    // The browser retries by itself unless the server answered with an error: then try again later.
    if (source.readyState === EventSource.CLOSED) setTimeout(connect, 2000);
  });
}

for (const input of document.querySelectorAll('input[name="span"]')) {
  input.addEventListener('change', () => state && renderChart());
}
connect();
