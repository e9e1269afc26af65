// Baseline "node ws": a bare `ws` server that broadcasts on "go".
//
// Every connection listens until it sends a text message; then it is the control:
// "go" sends the next of BENCH_MESSAGES (JSON list, used in turn) to every listener with
// `for (const c of listeners) c.send(msg)`, "count" answers the number of listeners.
// Usage: node broadcast.mjs PORT   (started and stopped by bench/run.py)
import { WebSocketServer } from "ws";

const port = Number(process.argv[2]);
const messages = JSON.parse(process.env.BENCH_MESSAGES || '["hello"]');
const welcome = process.env.BENCH_WELCOME || '{"type":"welcome"}';
let turn = 0;
const listeners = new Set();

const wss = new WebSocketServer({ host: "127.0.0.1", port, backlog: 4096, perMessageDeflate: false,
                                  clientTracking: true });
wss.on("connection", (ws) => {
  listeners.add(ws);
  ws.on("message", (data, isBinary) => {
    const text = isBinary ? "" : data.toString();
    if (text.startsWith("{")) {
      ws.send(welcome);  // the connection-rate scenario: the socket keeps listening
      return;
    }
    listeners.delete(ws);
    if (text === "go") {
      const msg = messages[turn++ % messages.length];
      for (const c of listeners) c.send(msg);
    } else if (text === "count") {
      ws.send(String(listeners.size));
    }
  });
  ws.on("close", () => listeners.delete(ws));
});
wss.on("listening", () => console.log(`listening on ${port}`));
process.on("SIGTERM", () => process.exit(0));
