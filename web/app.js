// The admin dashboard (served by `wagate serve` at /admin; see http/admin_handler.h).
//
// Plain JavaScript, no build step, nothing from a CDN. Every value from the server is rendered
// with textContent or DOM APIs, never parsed as markup, so a hostile key or payload shows as text.
// The token is asked once and kept in sessionStorage (this tab only); the API is called with
// `Authorization: Bearer <token>`. A refused token clears it, shows an error and no data.
'use strict';

const TOKEN_KEY = 'wagate.admin.token';
const REFRESH_MS = 5000;
const QUEUES = ['incoming', 'outgoing', 'analytics'];
const QUEUE_COLORS = { incoming: '#1f6feb', outgoing: '#c4320a', analytics: '#12b76a' };
const RATE_SERIES = [
  ['received', '#1f6feb'], ['processed', '#12b76a'], ['dead_lettered', '#b42318'], ['sent', '#7a5af8'],
];

const $ = (id) => document.getElementById(id);
let refreshTimer = null;
let redrivePace = null;  // {max_messages, messages_per_second} from the overview

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function showError(message) {
  const box = $('error');
  box.textContent = message;
  box.hidden = !message;
}

class Unauthorized extends Error {}

async function api(path, options = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) throw new Unauthorized('no token');
  const headers = { Authorization: 'Bearer ' + token };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch('/admin/api/' + path, {
    method: options.method || 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    credentials: 'omit',
    cache: 'no-store',
  });
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  if (response.status === 401) throw new Unauthorized((body && body.detail) || 'unauthorized');
  if (!response.ok) {
    const err = new Error((body && (body.detail || body.error)) || ('HTTP ' + response.status));
    err.status = response.status;
    throw err;
  }
  return body;
}

// Forgets everything shown, so a refused token leaves no data on the page.
function clearData() {
  for (const id of ['dead-letters', 'record']) $(id).replaceChildren();
  for (const id of ['queues', 'outbound']) $(id).tBodies[0].replaceChildren();
  for (const id of ['backend', 'updated', 'dlq-status']) $(id).textContent = '';
  for (const id of ['depth-chart', 'rate-chart']) {
    const c = $(id);
    c.getContext('2d').clearRect(0, 0, c.width, c.height);
  }
}

function showLogin(message) {
  if (refreshTimer) clearInterval(refreshTimer);
  refreshTimer = null;
  sessionStorage.removeItem(TOKEN_KEY);
  clearData();
  $('dashboard').hidden = true;
  $('logout').hidden = true;
  $('login').hidden = false;
  showError(message || '');
  $('token').value = '';
  $('token').focus();
}

function handleFailure(err) {
  if (err instanceof Unauthorized) {
    showLogin('The admin token was refused (' + err.message + '). Enter the ADMIN_TOKEN again.');
  } else {
    showError('Error: ' + err.message);
  }
}

// ---- overview: queue table and charts ----

function renderQueues(queues) {
  const body = $('queues').tBodies[0];
  body.replaceChildren();
  for (const name of QUEUES) {
    const q = queues[name];
    const row = el('tr');
    row.append(el('td', name));
    if (!q) {
      const cell = el('td', 'unavailable', 'muted');
      cell.colSpan = 5;
      row.append(cell);
    } else {
      for (const v of [q.visible, q.in_flight, q.delayed, q.dlq,
                       q.oldest_age_seconds === null ? '—' : q.oldest_age_seconds]) {
        row.append(el('td', v));
      }
    }
    body.append(row);
  }
}

function legend(id, series) {
  const box = $(id);
  box.replaceChildren();
  for (const [name, color] of series) {
    const item = el('span');
    const swatch = el('i');
    swatch.style.background = color;
    item.append(swatch, document.createTextNode(name));
    box.append(item);
  }
}

// Draws lines for `series` ([name, color, values]) over the minutes of `history`; null values
// are gaps.
function drawChart(canvas, history, series) {
  const ctx = canvas.getContext('2d');
  const w = canvas.width, h = canvas.height, left = 40, bottom = 20, top = 10, right = 10;
  ctx.clearRect(0, 0, w, h);
  let max = 1;
  for (const [, , values] of series) for (const v of values) if (v !== null && v > max) max = v;
  const x = (i) => left + (i * (w - left - right)) / Math.max(1, history.length - 1);
  const y = (v) => h - bottom - (v * (h - bottom - top)) / max;
  ctx.strokeStyle = '#d0d5dd';
  ctx.fillStyle = '#667085';
  ctx.font = '11px sans-serif';
  ctx.lineWidth = 1;
  for (const frac of [0, 0.5, 1]) {
    const v = Math.round(max * frac);
    ctx.beginPath();
    ctx.moveTo(left, y(v));
    ctx.lineTo(w - right, y(v));
    ctx.stroke();
    ctx.fillText(String(v), 4, y(v) + 4);
  }
  if (history.length) {
    ctx.fillText(history[0].t.slice(11, 16), left, h - 5);
    ctx.fillText(history[history.length - 1].t.slice(11, 16), w - right - 30, h - 5);
  }
  ctx.lineWidth = 2;
  for (const [, color, values] of series) {
    ctx.strokeStyle = color;
    ctx.beginPath();
    let pen = false;
    values.forEach((v, i) => {
      if (v === null) { pen = false; return; }
      if (pen) ctx.lineTo(x(i), y(v)); else ctx.moveTo(x(i), y(v));
      pen = true;
    });
    ctx.stroke();
    // A minute with neighbours missing on both sides would draw nothing: mark it with a dot.
    ctx.fillStyle = color;
    values.forEach((v, i) => {
      const alone = (i === 0 || values[i - 1] === null) && (i === values.length - 1 || values[i + 1] === null);
      if (v !== null && alone) ctx.fillRect(x(i) - 2, y(v) - 2, 4, 4);
    });
  }
}

function renderCharts(history) {
  const depth = QUEUES.map((q) => [q, QUEUE_COLORS[q], history.map((m) => (m.depth ? m.depth[q] : null))]);
  drawChart($('depth-chart'), history, depth);
  legend('depth-legend', depth);
  const rates = RATE_SERIES.map(([name, color]) => [name, color, history.map((m) => m[name])]);
  drawChart($('rate-chart'), history, rates);
  legend('rate-legend', rates);
}

async function loadOverview() {
  const o = await api('overview');
  $('backend').textContent = 'backend: ' + o.backend + (o.store === 'ok' ? '' : ' (store: ' + o.store + ')');
  $('updated').textContent = 'updated ' + o.taken;
  redrivePace = o.redrive;
  renderQueues(o.queues);
  renderCharts(o.history);
}

// ---- dead letters ----

function definitionList(pairs) {
  const dl = el('dl');
  for (const [name, value] of pairs) dl.append(el('dt', name), el('dd', value));
  return dl;
}

function historyTable(history) {
  const table = el('table', null, 'history');
  const head = el('tr');
  for (const h of ['at', 'owner', 'fence', 'outcome', 'error']) head.append(el('th', h));
  table.append(head);
  for (const a of Array.isArray(history) ? history : []) {
    const row = el('tr');
    for (const f of ['at', 'owner', 'fence', 'outcome', 'error']) row.append(el('td', a[f]));
    table.append(row);
  }
  return table;
}

function pretty(text) {
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return text; }
}

async function loadDeadLetters() {
  const queue = $('dlq-queue').value;
  const list = await api('dead-letters?queue=' + encodeURIComponent(queue));
  const box = $('dead-letters');
  box.replaceChildren();
  for (const d of list.items) {
    const item = el('li', null, 'dead-letter');
    item.dataset.key = d.key;
    item.append(el('code', d.key, 'dead-letter-key'));
    item.append(definitionList([
      ['reason', d.reason], ['attempts', d.attempts], ['last error', d.last_error || '—'],
      ['dead since', d.dead_at], ['bytes', d.bytes], ['message id', d.message_id],
    ]));
    const details = el('details');
    details.append(el('summary', 'attempt history and payload'));
    details.append(historyTable(d.history));
    const pre = el('pre', pretty(d.payload) + (d.payload_truncated ? '\n… (truncated)' : ''), 'payload');
    details.append(pre);
    if (d.payload_truncated) {
      const whole = el('button', 'Show the whole payload (' + d.bytes + ' bytes)');
      whole.type = 'button';
      whole.addEventListener('click', async () => {
        try {
          const full = await api('dead-letter?queue=' + encodeURIComponent(queue) +
                                 '&id=' + encodeURIComponent(d.message_id));
          pre.textContent = pretty(full.payload);
          whole.remove();
        } catch (err) {
          handleFailure(err);
        }
      });
      details.append(whole);
    }
    item.append(details);
    box.append(item);
  }
  $('dlq-empty').hidden = list.items.length !== 0;
}

async function redrive() {
  const queue = $('dlq-queue').value;
  const pace = redrivePace
    ? ' (up to ' + redrivePace.max_messages + ', ' + redrivePace.messages_per_second + ' per second)'
    : '';
  if (!confirm('Move the dead letters of "' + queue + '" back to the queue for processing' + pace + '?')) return;
  $('dlq-status').textContent = 'redriving…';
  try {
    const r = await api('redrive', { method: 'POST', body: { queue } });
    $('dlq-status').textContent = 'redrive: ' + r.moved + ' moved, ' + r.skipped + ' skipped (invalid payloads stay)';
    await refresh();
  } catch (err) {
    $('dlq-status').textContent = '';
    handleFailure(err);
  }
}

async function purge() {
  const queue = $('dlq-queue').value + '-dlq';
  if (!confirm('Delete every message of "' + queue + '"? This cannot be undone.')) return;
  try {
    const r = await api('purge', { method: 'POST', body: { queue } });
    $('dlq-status').textContent = 'purge: ' + r.purged + ' deleted';
    await refresh();
  } catch (err) {
    handleFailure(err);
  }
}

// ---- record lookup ----

async function lookup(event) {
  event.preventDefault();
  const key = $('lookup-key').value.trim();
  const box = $('record');
  box.replaceChildren();
  if (!key) return;
  try {
    const r = await api('record?key=' + encodeURIComponent(key));
    const lease = r.lease_until || '—';
    box.append(definitionList([
      ['key', r.key], ['state', r.state], ['kind', r.kind], ['attempts', r.attempts],
      ['owner', r.owner || '—'], ['lease until', lease], ['fence', r.fence],
      ['last error', r.last_error || '—'], ['updated', r.updated_at],
    ]));
    box.querySelectorAll('dd')[1].id = 'record-state';
    box.append(el('h3', 'History'), historyTable(r.history));
    box.append(el('h3', 'Result'), el('pre', r.result ? JSON.stringify(r.result, null, 2) : '—'));
  } catch (err) {
    if (err.status === 404) box.append(el('p', 'No record has the key ' + key + '.', 'muted'));
    else handleFailure(err);
  }
}

// ---- recent outbound ----

async function loadOutbound() {
  const o = await api('outbound');
  const body = $('outbound').tBodies[0];
  body.replaceChildren();
  for (const m of o.items) {
    const row = el('tr');
    for (const v of [m.at, m.key, m.to || '—', m.state, m.event, m.attempt,
                     m.dry_run ? 'yes' : 'no', m.error_code || '—']) {
      row.append(el('td', v));
    }
    body.append(row);
  }
  if (!o.runs_senders) {
    const row = el('tr');
    const cell = el('td', 'This process runs no senders (--role api): see a worker process\'s dashboard.', 'muted');
    cell.colSpan = 8;
    row.append(cell);
    body.append(row);
  }
}

// ---- wiring ----

async function refresh() {
  try {
    await loadOverview();
    await loadDeadLetters();
    await loadOutbound();
    $('login').hidden = true;
    $('dashboard').hidden = false;
    $('logout').hidden = false;
    showError('');
  } catch (err) {
    handleFailure(err);
    return false;
  }
  return true;
}

async function start() {
  if (await refresh()) {
    if (refreshTimer) clearInterval(refreshTimer);
    refreshTimer = setInterval(refresh, REFRESH_MS);
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('token').value;
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    start();
  });
  $('logout').addEventListener('click', () => showLogin(''));
  $('dlq-queue').addEventListener('change', () => loadDeadLetters().catch(handleFailure));
  $('redrive').addEventListener('click', redrive);
  $('purge').addEventListener('click', purge);
  $('lookup-form').addEventListener('submit', lookup);
  if (sessionStorage.getItem(TOKEN_KEY)) start(); else showLogin('');
});
