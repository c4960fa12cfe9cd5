// A small open-loop load generator: requests go out on a fixed schedule whether or not earlier
// ones have answered (so a slow server shows up as latency, not as a politely lower rate), plus
// a closed-loop mode for saturation. Loopback only, bounded in count and time.
import { Agent, request } from "node:http";

export interface PreparedRequest {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface LoadResult {
  readonly sent: number;
  readonly ok: number;
  readonly errors: number;
  readonly statuses: Record<string, number>;
  readonly seconds: number;
  readonly throughput: number;
  readonly p50: number;
  readonly p99: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** Wall-clock ms with sub-ms precision, comparable across processes on one machine. */
export const wallNow = () => performance.timeOrigin + performance.now();

/** Called as each response ends: its index in send order, status and wall-clock time. */
export type OnResponse = (index: number, status: number, at: number) => void;

function send(base: URL, prepared: PreparedRequest): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      { host: base.hostname, port: base.port, path: prepared.path, method: "POST", headers: prepared.headers, agent },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    req.on("error", () => resolve({ status: 0, ms: performance.now() - started }));
    req.end(prepared.body);
  });
}

function summarize(results: { status: number; ms: number }[], seconds: number): LoadResult {
  const latencies = results.filter((r) => r.status >= 200 && r.status < 300).map((r) => r.ms).sort((a, b) => a - b);
  const pick = (q: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! : NaN);
  const statuses: Record<string, number> = {};
  for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  return {
    sent: results.length,
    ok: latencies.length,
    errors: results.length - latencies.length,
    statuses,
    seconds,
    throughput: latencies.length / seconds,
    p50: pick(0.5),
    p99: pick(0.99),
  };
}

/** `rate` requests per second for `seconds`, on schedule. */
export async function openLoop(
  url: string,
  requests: () => PreparedRequest,
  rate: number,
  seconds: number,
  onResponse?: OnResponse,
): Promise<LoadResult> {
  const base = new URL(url);
  const total = Math.round(rate * seconds);
  const started = performance.now();
  const pending: Promise<{ status: number; ms: number }>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const index = i;
    pending.push(
      send(base, requests()).then((result) => {
        onResponse?.(index, result.status, wallNow());
        return result;
      }),
    );
  }
  const results = await Promise.all(pending);
  return summarize(results, (performance.now() - started) / 1000);
}

/**
 * `connections` requests in flight at all times for `seconds`: the most the server absorbs.
 * `requests` returns undefined when it has nothing left to send (the run then ends early).
 */
export async function closedLoop(
  url: string,
  requests: () => PreparedRequest | undefined,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const base = new URL(url);
  const results: { status: number; ms: number }[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let next = requests(); next && performance.now() < deadline; next = requests()) results.push(await send(base, next));
    }),
  );
  return summarize(results, (performance.now() - started) / 1000);
}
