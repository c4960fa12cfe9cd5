// The emulator in a process of its own, so the replies it receives do not compete with the load
// generator for one event loop. Prints `{"url": …}` on its first stdout line.
//
// Besides the usual control API it serves `GET /_bench/replies?since=N`: every reply the bot
// finished (a chat.postMessage, or a streamed message closed or rewritten, carrying its reply
// metadata), with the wall-clock time (ms, sub-ms precision) it was recorded at, its channel,
// thread, message ts and reply-metadata key; and `GET /_bench/progress`: when each thread first
// showed the bot working (👀, an assistant status, a stream opening) and how many stream pieces
// it got. The recorder's own `at` has one-second resolution, too coarse for turn latency.
import { Hono } from "hono";
import { devOptions, startEmulator } from "../dev/emulator/server.ts";

export interface RecordedReply {
  /** Wall-clock ms (performance.timeOrigin + performance.now()) when the emulator recorded it. */
  readonly at: number;
  readonly channel: string;
  readonly thread: string;
  /** The message: a recovered stream is closed, then rewritten, but it stays one message. */
  readonly ts: string;
  readonly key: string | null;
}

/**
 * The first sign of the bot working, by where it showed: `<channel>:<message ts>` for 👀 on the
 * mention, `<channel>:<thread ts>` for an assistant status or a stream (with its pieces).
 */
export interface RecordedProgress {
  readonly firstAt: number;
  readonly id: string;
  pieces: number;
}

const replies: RecordedReply[] = [];
const progress = new Map<string, RecordedProgress>();
/** Which thread a streamed message is in, from its chat.startStream. */
const streams = new Map<string, string>();
const front = new Hono();
front.get("/_bench/replies", (c) => {
  const since = Number(c.req.query("since") ?? 0) || 0;
  return c.json({ total: replies.length, replies: replies.slice(since) });
});
front.get("/_bench/progress", (c) => c.json({ progress: [...progress.values()] }));
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

const REPLIES = new Set(["/chat.postMessage", "/chat.stopStream", "/chat.update"]);

running.emulator.core.subscribe((call) => {
  if (call.platform !== "slack") return;
  if (call.status !== 200 || (call.response as { ok?: boolean } | null)?.ok !== true) return;
  const at = performance.timeOrigin + performance.now();
  const body = (call.body ?? {}) as Record<string, unknown>;
  const response = call.response as { ts?: string; message?: { thread_ts?: string } };
  const method = call.path.split("?")[0]!;
  const channel = String(body.channel ?? body.channel_id ?? "");
  if (method === "/chat.startStream" && response.ts) streams.set(`${channel}:${response.ts}`, String(body.thread_ts ?? ""));
  // 👀 on the mention, an assistant status, a stream opening or growing.
  const where =
    method === "/reactions.add" ? String(body.timestamp ?? "")
    : method === "/assistant.threads.setStatus" || method === "/chat.startStream" ? String(body.thread_ts ?? "")
    : method === "/chat.appendStream" ? (streams.get(`${channel}:${String(body.ts ?? "")}`) ?? "")
    : "";
  if (where !== "") {
    const id = `${channel}:${where}`;
    const seen = progress.get(id) ?? { firstAt: at, id, pieces: 0 };
    if (method === "/chat.appendStream") seen.pieces++;
    progress.set(id, seen);
  }
  if (!REPLIES.has(method)) return;
  const key = metadataKey(body.metadata);
  if (key === null) return;
  const ts = String(response.ts ?? body.ts ?? "");
  replies.push({ at, channel, thread: String(body.thread_ts ?? response.message?.thread_ts ?? streams.get(`${channel}:${ts}`) ?? ""), ts, key });
});

process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
process.once("SIGTERM", () => void running.close().finally(() => process.exit(0)));
