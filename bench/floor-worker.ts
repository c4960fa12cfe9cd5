// The floor of the cost section's saturation point (bench/cost.ts): the least any design with one
// Durable Object per conversation, where acknowledged means durable, must do per event. The
// ingress verifies Slack's signature (the same check as channels/slack) and parses the envelope;
// a message that concerns no bot is answered there; a mention goes to its conversation's object by
// name (a fresh object for nearly every mention over 10,000 conversations), which writes the event
// in one SQLite row before the 200. No turn, no journal, no SDK. With `?index=1` a message in a
// thread asks its channel's index object first, as Switchboard's ingress asks its participation
// index (one request to a warm object, one row read). With `?turn=1` a mention also gets the least
// a turn is: an alarm set with the row (so an object that dies before replying replies on waking),
// one chat.postMessage after the 200, the row marked replied, the alarm deleted. Bench only: started with its own wrangler
// config, written outside the tree by bench/cost.ts (`floorConfig`).
import { DurableObject } from "cloudflare:workers";
import { verifySlackSignature } from "../channels/slack/verify.ts";

interface FloorEnv {
  FLOOR: DurableObjectNamespace<FloorConversation>;
  FLOOR_INDEX: DurableObjectNamespace<FloorIndex>;
  SLACK_SIGNING_SECRET: string;
  SLACK_BOT_TOKEN: string;
  SLACK_API_URL: string;
}

interface ReplyTo {
  channel: string;
  thread: string;
}

/** One conversation: its events, one row each. */
export class FloorConversation extends DurableObject<FloorEnv> {
  accept(eventId: string, body: string, replyTo?: ReplyTo): boolean {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS inbox (event_id TEXT PRIMARY KEY, body TEXT NOT NULL, reply_to TEXT, replied INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID");
    const stored = sql.exec("INSERT OR IGNORE INTO inbox (event_id, body, reply_to) VALUES (?, ?, ?)", eventId, body, replyTo ? JSON.stringify(replyTo) : null).rowsWritten > 0;
    if (stored && replyTo) {
      // Written with the row (one output gate): the 200 waits for both.
      void this.ctx.storage.setAlarm(Date.now() + 30_000);
      this.ctx.waitUntil(this.reply(eventId, replyTo));
    }
    return stored;
  }

  private async reply(eventId: string, { channel, thread }: ReplyTo): Promise<void> {
    const response = await fetch(`${this.env.SLACK_API_URL}chat.postMessage`, {
      method: "POST",
      headers: { authorization: `Bearer ${this.env.SLACK_BOT_TOKEN}`, "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ channel, thread_ts: thread, text: "On it.", metadata: { event_type: "switchboard_reply", event_payload: { key: eventId } } }),
    });
    const answer = (await response.json()) as { ok?: boolean };
    if (!answer.ok) throw new Error("chat.postMessage failed");
    this.ctx.storage.sql.exec("UPDATE inbox SET replied = 1 WHERE event_id = ?", eventId);
    await this.ctx.storage.deleteAlarm();
  }

  /** Recovery: the events acknowledged but not replied to. */
  override async alarm(): Promise<void> {
    const rows = this.ctx.storage.sql.exec<{ event_id: string; reply_to: string }>("SELECT event_id, reply_to FROM inbox WHERE replied = 0 AND reply_to IS NOT NULL").toArray();
    for (const row of rows) await this.reply(row.event_id, JSON.parse(row.reply_to) as ReplyTo);
  }
}

/** One channel's threads the bot takes part in (none here): answers whether one is listed. */
export class FloorIndex extends DurableObject<FloorEnv> {
  private ready = false;

  hears(thread: string): boolean {
    const sql = this.ctx.storage.sql;
    if (!this.ready) sql.exec("CREATE TABLE IF NOT EXISTS listed (thread TEXT PRIMARY KEY) WITHOUT ROWID");
    this.ready = true;
    return sql.exec("SELECT 1 FROM listed WHERE thread = ?", thread).toArray().length > 0;
  }
}

interface Envelope {
  team_id?: string;
  event_id?: string;
  event?: { type?: string; channel?: string; ts?: string; thread_ts?: string };
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const { pathname } = url;
    if (pathname === "/health") return new Response("ok");
    // The same no-op as bench/worker.ts's ceiling, in this Worker's process.
    if (pathname === "/bench/ceiling") return Response.json({ ok: true });
    if (pathname !== "/webhooks/slack/events" || request.method !== "POST") return new Response("not found", { status: 404 });
    const body = new Uint8Array(await request.arrayBuffer());
    const text = new TextDecoder().decode(body);
    const verdict = await verifySlackSignature({ headers: request.headers, body, text, now: Date.now() }, env.SLACK_SIGNING_SECRET);
    if (!verdict.ok) return new Response("bad signature", { status: 401 });
    const envelope = JSON.parse(text) as Envelope;
    const event = envelope.event;
    if (event?.type !== "app_mention" || !envelope.event_id || !event.channel || !event.ts) {
      // Concerns no bot: answered here, nothing stored (with `?index=1`, after the channel's index says so).
      if (url.searchParams.has("index") && event?.channel && event.thread_ts) {
        if (await env.FLOOR_INDEX.getByName(`slack:${envelope.team_id}:${event.channel}`).hears(event.thread_ts)) return new Response("listed: not in the floor", { status: 501 });
      }
      // 202, as ours answers an event it ignores (the benchmark waits for a reply to each 200).
      return new Response(null, { status: 202 });
    }
    const thread = event.thread_ts ?? event.ts;
    const key = `slack:${envelope.team_id}:${event.channel}:${thread}`;
    await env.FLOOR.getByName(key).accept(envelope.event_id, text, url.searchParams.has("turn") ? { channel: event.channel, thread } : undefined);
    return new Response(null, { status: 200 });
  },
} satisfies ExportedHandler<FloorEnv>;
