// A Frontdesk webhook receiver with Node's standard library only: verify, then act.
//
//     FRONTDESK_WEBHOOK_SECRET=... node webhook_receiver.mjs 8080
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";

const secret = process.env.FRONTDESK_WEBHOOK_SECRET;
const TOLERANCE = 300; // seconds: refuse signatures older than this (replays)
const seen = new Set(); // delivery is at least once: drop repeats by id (keep this in a DB)

function verified(header, body) {
  const parts = Object.fromEntries(
    header.split(",").map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
  const t = Number.parseInt(parts.t, 10);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > TOLERANCE) return false;
  const expected = createHmac("sha256", secret).update(`${t}.`).update(body).digest("hex");
  const given = Buffer.from(parts.v1 ?? "");
  return given.length === expected.length && timingSafeEqual(given, Buffer.from(expected));
}

createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const body = Buffer.concat(chunks); // the raw bytes: never re-serialise before verifying
    if (!verified(req.headers["frontdesk-signature"] ?? "", body)) {
      res.writeHead(401).end(); // another 4xx: Frontdesk does not retry it
      return;
    }
    const event = JSON.parse(body);
    if (!seen.has(event.id)) {
      seen.add(event.id);
      console.log(`verified ${event.type} seq=${event.seq} id=${event.id}`);
    }
    res.writeHead(204).end(); // answer fast (within 5 s); do slow work elsewhere
  });
}).listen(Number(process.argv[2]), "127.0.0.1");
