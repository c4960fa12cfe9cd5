// The emulator in a process of its own, so the replies it receives do not compete with the load
// generator for one event loop. Prints `{"url": …}` on its first stdout line.
//
// Besides the usual control API it serves `GET /_bench/replies?since=N`: every successful
// chat.postMessage with the wall-clock time (ms, sub-ms precision) it was recorded at, its
// channel, thread and reply-metadata key. The recorder's own `at` has one-second resolution,
// too coarse for turn latency.
import { Hono } from "hono";
import { devOptions, startEmulator } from "../dev/emulator/server.ts";

export interface RecordedReply {
  /** Wall-clock ms (performance.timeOrigin + performance.now()) when the emulator recorded it. */
  readonly at: number;
  readonly channel: string;
  readonly thread: string;
  readonly key: string | null;
}

const replies: RecordedReply[] = [];
const front = new Hono();
front.get("/_bench/replies", (c) => {
  const since = Number(c.req.query("since") ?? 0) || 0;
  return c.json({ total: replies.length, replies: replies.slice(since) });
});
front.get("/_bench/count", (c) => {
  const prefix = c.req.query("channel") ?? "";
  let n = 0;
  for (const reply of replies) if (reply.channel.startsWith(prefix)) n++;
  return c.json({ total: replies.length, matching: n });
});

// Chat SDK's Slack adapter looks up the author of every message (users.info), which the emulator
// does not implement; answered here, ahead of the emulator, so the peer can reply at all.
front.on(["GET", "POST"], "/slack/users.info", async (c) => {
  const form = c.req.method === "POST" ? new URLSearchParams(await c.req.text()) : new URL(c.req.url).searchParams;
  const id = form.get("user") ?? "U0UNKNOWN";
  return c.json({ ok: true, user: { id, team_id: "T0SWITCHDEV", name: id.toLowerCase(), real_name: id, is_bot: false, profile: { display_name: id, real_name: id } } });
});

const running = await startEmulator({ ...devOptions(), port: Number(process.argv[2] ?? 0), front });

function metadataKey(metadata: unknown): string | null {
  let value = metadata;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return null;
    }
  }
  const key = (value as { event_payload?: { key?: unknown } } | null)?.event_payload?.key;
  return typeof key === "string" ? key : null;
}

running.emulator.core.subscribe((call) => {
  if (call.platform !== "slack" || !call.path.startsWith("/chat.postMessage")) return;
  if (call.status !== 200 || (call.response as { ok?: boolean } | null)?.ok !== true) return;
  const body = (call.body ?? {}) as Record<string, unknown>;
  replies.push({
    at: performance.timeOrigin + performance.now(),
    channel: String(body.channel ?? ""),
    thread: String(body.thread_ts ?? ""),
    key: metadataKey(body.metadata),
  });
});

process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
process.once("SIGTERM", () => void running.close().finally(() => process.exit(0)));
