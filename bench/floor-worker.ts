// The floor of the cost section's saturation point (bench/cost.ts): the least any design with one
// Durable Object per conversation, where acknowledged means durable, must do per event. The
// ingress verifies Slack's signature (the same check as channels/slack) and parses the envelope;
// a message that concerns no bot is answered there; a mention goes to its conversation's object by
// name (a fresh object for nearly every mention over 10,000 conversations), which writes the event
// in one SQLite row before the 200. No turn, no journal, no SDK. With `?index=1` a message in a
// thread asks its channel's index object first, as Switchboard's ingress asks its participation
// index (one request to a warm object, one row read). Bench only: started with its own wrangler
// config, written outside the tree by bench/cost.ts (`floorConfig`).
import { DurableObject } from "cloudflare:workers";
import { verifySlackSignature } from "../channels/slack/verify.ts";

interface FloorEnv {
  FLOOR: DurableObjectNamespace<FloorConversation>;
  FLOOR_INDEX: DurableObjectNamespace<FloorIndex>;
  SLACK_SIGNING_SECRET: string;
}

/** One conversation: its events, one row each. */
export class FloorConversation extends DurableObject<FloorEnv> {
  accept(eventId: string, body: string): boolean {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS inbox (event_id TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID");
    return sql.exec("INSERT OR IGNORE INTO inbox (event_id, body) VALUES (?, ?)", eventId, body).rowsWritten > 0;
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
      return new Response(null, { status: 200 });
    }
    const key = `slack:${envelope.team_id}:${event.channel}:${event.thread_ts ?? event.ts}`;
    await env.FLOOR.getByName(key).accept(envelope.event_id, text);
    return new Response(null, { status: 200 });
  },
} satisfies ExportedHandler<FloorEnv>;
