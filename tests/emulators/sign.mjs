// The AWS SDK for JavaScript's SigV4 signer as a filter, for wagate's differential signer test
// (src/wagate/backends/aws/auth/sigv4_differential_test.cc).
//
// Reads one JSON request per line on stdin:
//   {"method": "GET", "protocol": "https:", "hostname": "example.amazonaws.com", "port": 8000?,
//    "path": "/a%20b" (as in the URL), "query": [["key", "value"], ...] (decoded),
//    "headers": [["Name", "value"], ...] (host included, no x-amz-date), "body_hex": "...",
//    "credentials": {"accessKeyId", "secretAccessKey", "sessionToken"?},
//    "region": "us-east-1", "service": "dynamodb", "time_ms": 1440938160000}
// and writes one line per request: {"authorization": "AWS4-HMAC-SHA256 ..."} or {"error": "..."}.
//
// The signer runs with its defaults (uriEscapePath: true) except applyChecksum: false (no
// x-amz-content-sha256 header), and with every header of the request marked signable, because
// wagate signs every header it is given.
import { createHash, createHmac } from "node:crypto";
import { createInterface } from "node:readline";
import { SignatureV4 } from "@smithy/signature-v4";

const toBuffer = (data) =>
  typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data.buffer, data.byteOffset, data.byteLength);

// The SDK's Checksum interface over node's crypto (@aws-crypto/sha256-js is not installed).
class Sha256 {
  constructor(secret) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", toBuffer(secret));
  }
  update(data) {
    this.hash.update(toBuffer(data));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

async function sign(input) {
  const query = {};
  for (const [key, value] of input.query) {
    if (!Object.hasOwn(query, key)) query[key] = value;
    else if (Array.isArray(query[key])) query[key].push(value);
    else query[key] = [query[key], value];
  }
  const headers = {};
  for (const [name, value] of input.headers) headers[name] = value;
  const signer = new SignatureV4({
    credentials: input.credentials,
    region: input.region,
    service: input.service,
    sha256: Sha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: input.method,
      protocol: input.protocol,
      hostname: input.hostname,
      port: input.port,
      path: input.path,
      query,
      headers,
      body: new Uint8Array(Buffer.from(input.body_hex, "hex")),
    },
    {
      signingDate: new Date(input.time_ms),
      signableHeaders: new Set(input.headers.map(([name]) => name.toLowerCase())),
    },
  );
  return { authorization: signed.headers.authorization };
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim() === "") continue;
  let answer;
  try {
    answer = await sign(JSON.parse(line));
  } catch (error) {
    answer = { error: String(error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
