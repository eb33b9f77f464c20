// The AWS emulators that wagate's tests run against, in one node process: dynalite (DynamoDB, in
// memory) and fauxqs (SQS), plus a control server through which a test sets this process's clock.
//
//   node tests/emulators/emulators.mjs
//
// Every server listens on 127.0.0.1 on a port the OS chooses. Once all three listen, the process
// prints exactly one line to stdout and nothing more:
//   {"dynamodb":"http://127.0.0.1:P1","sqs":"http://127.0.0.1:P2","control":"http://127.0.0.1:P3"}
// Errors go to stderr. The process exits when its stdin closes (so it dies with its parent, even
// one killed by SIGKILL) and on SIGTERM or SIGINT.
//
// Control server:
//   POST /clock {"now_ms": <int>}  freezes Date.now() (and `new Date()`) at that value
//   POST /clock {"real": true}     returns to the real clock
//   GET  /clock                    {"now_ms": <Date.now()>}
// fauxqs computes visibility deadlines, delays and receive timestamps from Date.now(), so a
// frozen clock makes SQS visibility follow a test's FakeClock exactly. Timers (setTimeout) stay
// real, so long polls still end in real time.
import { createRequire } from 'node:module';
import http from 'node:http';

const [nodeMajor] = process.versions.node.split('.').map(Number);
if (nodeMajor < 20) {
  process.stderr.write(`emulators: node >= 20 is needed, this is ${process.versions.node}\n`);
  process.exit(1);
}

// Stdout carries the one JSON line the parent waits for; anything a library logs goes to stderr.
console.log = console.error;
console.info = console.error;
console.debug = console.error;

// --- The controllable clock. Installed before either emulator is loaded. ---
const RealDate = Date;
const realNow = RealDate.now;
let frozenMs = null;  // null: real time
function now() {
  return frozenMs === null ? realNow.call(RealDate) : frozenMs;
}
RealDate.now = now;
// `new Date()` without arguments reads the clock; `Date()` called as a function returns the
// clock's time as a string. Everything else (Date.UTC, Date.parse, the prototype, instanceof,
// subclasses) reaches the real Date through the proxy.
globalThis.Date = new Proxy(RealDate, {
  construct(target, args, newTarget) {
    return Reflect.construct(target, args.length === 0 ? [now()] : args, newTarget);
  },
  apply() {
    return new RealDate(now()).toString();
  },
});

const require = createRequire(import.meta.url);
const { buildApp } = await import('fauxqs');
// fauxqs's startFauxqs() always listens on 0.0.0.0 and its queue URLs are
// http://sqs.<region>.<host>:<port>/..., which no client can reach as given. So the app is built
// with our own stores (from fauxqs's own files; the package exports only its app) and listens on
// 127.0.0.1, and queue URLs are built from the address it listens on.
const { SqsStore } = await import('./node_modules/fauxqs/dist/sqs/sqsStore.js');
const { SnsStore } = await import('./node_modules/fauxqs/dist/sns/snsStore.js');
const { S3Store } = await import('./node_modules/fauxqs/dist/s3/s3Store.js');
const { DEFAULT_ACCOUNT_ID } = await import('./node_modules/fauxqs/dist/common/types.js');

const kHost = '127.0.0.1';

function listen(server, label) {
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`${label}: ${err.message}`)));
    server.listen(0, kHost, () => resolve(server.address().port));
  });
}

function sendJson(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function handleControl(req, res) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.url !== '/clock') return sendJson(res, 404, { error: `no such path: ${req.url}` });
    if (req.method === 'GET') return sendJson(res, 200, { now_ms: Date.now() });
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'GET or POST' });
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      return sendJson(res, 400, { error: `body is not JSON: ${err.message}` });
    }
    if (body && body.real === true) {
      frozenMs = null;
    } else if (body && Number.isSafeInteger(body.now_ms)) {
      frozenMs = body.now_ms;
    } else {
      return sendJson(res, 400, { error: 'expected {"now_ms": <integer>} or {"real": true}' });
    }
    return sendJson(res, 200, { now_ms: Date.now() });
  });
}

let shuttingDown = false;
function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  // The stores are in memory: there is nothing to flush, so exiting at once is safe.
  process.exit(code);
}

async function main() {
  const dynalite = require('dynalite')({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynamoPort = await listen(dynalite, 'dynalite');

  const sqsStore = new SqsStore();
  const app = buildApp({
    logger: false,
    stores: { sqsStore, snsStore: new SnsStore(), s3Store: new S3Store() },
  });
  await app.listen({ port: 0, host: kHost });
  const sqsPort = app.server.address().port;
  sqsStore.buildQueueUrl = (queueName) => `http://${kHost}:${sqsPort}/${DEFAULT_ACCOUNT_ID}/${queueName}`;

  const control = http.createServer(handleControl);
  const controlPort = await listen(control, 'control');

  process.stdout.write(
    JSON.stringify({
      dynamodb: `http://${kHost}:${dynamoPort}`,
      sqs: `http://${kHost}:${sqsPort}`,
      control: `http://${kHost}:${controlPort}`,
    }) + '\n',
  );
}

process.on('SIGTERM', () => shutdown(0));
process.on('SIGINT', () => shutdown(0));
// The parent holds our stdin open for as long as it wants us; EOF (or an error) means it is gone.
process.stdin.on('end', () => shutdown(0));
process.stdin.on('close', () => shutdown(0));
process.stdin.on('error', () => shutdown(0));
process.stdin.resume();
// A parent that stops reading stdout must not crash us.
process.stdout.on('error', () => {});

try {
  await main();
} catch (err) {
  process.stderr.write(`emulators: ${err && err.stack ? err.stack : err}\n`);
  shutdown(1);
}
