// A DevTools session to a `wrangler dev` Worker's isolate, for the benchmarks that profile it or
// read its heap (bench/profile.ts, bench/sandbox.ts).
import { createRequire } from "node:module";
import type WebSocketClient from "ws";

// Node's built-in WebSocket sends no Origin, which wrangler's inspector refuses; `ws` can. Loaded
// through Node's resolver for the reason given in dev/emulator/discord-gateway.ts.
const WebSocket = createRequire(import.meta.url)("ws") as typeof WebSocketClient;

/** One DevTools session to the Worker's isolate through wrangler's inspector: `send` resolves with the command's result. */
export async function inspect(port: number) {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as { webSocketDebuggerUrl: string; title: string }[];
  const target = targets.find((t) => !t.title.includes("ProxyWorker")) ?? targets[0];
  if (!target) throw new Error("the inspector lists no Worker");
  const socket = new WebSocket(target.webSocketDebuggerUrl, { origin: "http://localhost", maxPayload: 1 << 30 });
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  let nextId = 1;
  const waiting = new Map<number, (result: unknown) => void>();
  socket.on("message", (message) => {
    const text = String(message);
    if (text.includes('"HeapProfiler.addHeapSnapshotChunk"')) return; // the snapshot itself is not kept
    const data = JSON.parse(text) as { id?: number; result?: unknown };
    if (data.id !== undefined) waiting.get(data.id)?.(data.result);
  });
  return {
    send<T>(method: string, params: object = {}): Promise<T> {
      const id = nextId++;
      socket.send(JSON.stringify({ id, method, params }));
      return new Promise((resolve) => waiting.set(id, resolve as (result: unknown) => void));
    },
    close: () => socket.close(),
  };
}
