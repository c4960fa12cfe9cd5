import { DurableObject } from "cloudflare:workers";
import { DiscordAPIError } from "@discordjs/rest";
import type { GatewayMessageCreateDispatchData } from "discord-api-types/v10";
import { z } from "zod";
import { CoreConfig } from "../../src/config.ts";
import type { AcceptOutcome } from "../../src/channel.ts";
import { NormalizedEvent } from "../../src/event.ts";
import { log } from "../../src/log.ts";
import { DiscordConfig } from "./config.ts";
import { gatewayFetchUrl, GatewayMachine, NO_SESSION, type Effect, type GatewaySession } from "./gateway.ts";
import { discordRest } from "./client.ts";
import { routeGatewayMessage, type ChannelInfo, type GatewayRoute } from "./normalize.ts";

/** What `/health` and the admin endpoint show; never a token or a session id. */
export interface GatewayStatus {
  readonly desired: "running" | "stopped";
  readonly state: "stopped" | "connecting" | "identifying" | "resuming" | "connected" | "reconnecting" | "failed";
  readonly connected: boolean;
  readonly resuming: boolean;
  readonly hasSession: boolean;
  readonly seq: number | null;
  readonly lastEventAgeMs: number | null;
  readonly connects: number;
  readonly resumes: number;
  readonly dispatched: number;
  readonly error?: string;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS gw_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)`;
/** Server channels whose type or parent routing needed: threads the Gateway announced, and those looked up. */
const CHANNELS_SCHEMA = `CREATE TABLE IF NOT EXISTS gw_channels (id TEXT PRIMARY KEY, type INTEGER NOT NULL, parent_id TEXT, seen_at INTEGER NOT NULL)`;
/** Channels remembered; the least recently seen go first beyond this. */
const CHANNELS_KEPT = 20_000;
/** The fields of a channel object routing reads (THREAD_CREATE, THREAD_LIST_SYNC, GUILD_CREATE, GET /channels/{id}). */
const ChannelFields = z.object({ id: z.string().regex(/^\d{1,21}$/), type: z.number().int(), parent_id: z.string().regex(/^\d{1,21}$/).nullish() });
const ThreadList = z.object({ threads: z.array(z.unknown()).max(100_000).optional() });
/** A connection with no frame (not even an ACK) for this many heartbeat intervals is dead. */
const SILENCE_INTERVALS = 2.5;

/**
 * Holds the bot's Gateway WebSocket: one object per bot (named by the application id). Session
 * id, resume URL and the last handled sequence number live in SQLite, so after an eviction the
 * alarm reopens the connection and RESUMEs: Discord replays what was dispatched in the gap.
 * Each MESSAGE_CREATE is made durable in its conversation agent before its sequence number is
 * saved, so an event is never lost; a replayed one is a duplicate the agent ignores.
 */
export abstract class DiscordGateway extends DurableObject<Env> {
  /** Hands a normalized event to its conversation (routing included); the Worker entry supplies it. */
  protected abstract dispatch(event: NormalizedEvent): Promise<AcceptOutcome>;

  private socket: WebSocket | null = null;
  private machine: GatewayMachine | null = null;
  /** Bumped per socket so events of a replaced socket are ignored. */
  private generation = 0;
  private heartbeat: ReturnType<typeof setTimeout> | null = null;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private lastFrameAt = 0;
  private work: Promise<void> = Promise.resolve();
  private opening = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
    ctx.storage.sql.exec(CHANNELS_SCHEMA);
  }

  /** Starts (or keeps) the connection and its supervising alarm. */
  async start(): Promise<GatewayStatus> {
    this.put("desired", "running");
    this.remove("error");
    this.remove("state");
    await this.open();
    await this.supervise();
    return this.status();
  }

  /** Closes the connection with 1000, which ends the session on Discord's side too. */
  async stop(): Promise<GatewayStatus> {
    this.put("desired", "stopped");
    this.put("state", "stopped");
    this.teardown(1000, "stopped by operator");
    this.saveSession(NO_SESSION);
    await this.ctx.storage.deleteAlarm();
    return this.status();
  }

  async status(): Promise<GatewayStatus> {
    const desired = this.get("desired") === "running" ? "running" : "stopped";
    // Any look at a running gateway that lost its socket (eviction) also brings it back.
    if (desired === "running" && !this.socket && !this.retry && this.get("state") !== "failed") this.ctx.waitUntil(this.open());
    const session = this.loadSession();
    const lastEventAt = Number(this.get("last_event_at") ?? 0);
    const state = this.currentState(desired);
    const error = this.get("error");
    return {
      desired,
      state,
      connected: state === "connected",
      resuming: state === "resuming",
      hasSession: session.sessionId !== null,
      seq: session.seq,
      lastEventAgeMs: lastEventAt ? Date.now() - lastEventAt : null,
      connects: Number(this.get("connects") ?? 0),
      resumes: Number(this.get("resumes") ?? 0),
      dispatched: Number(this.get("dispatched") ?? 0),
      ...(error ? { error } : {}),
    };
  }

  /** Supervision: reopens after an eviction or a silent (zombie) connection, then re-arms. */
  override async alarm(): Promise<void> {
    if (this.get("desired") !== "running" || this.get("state") === "failed") return;
    const interval = this.machine?.heartbeatIntervalMs ?? 0;
    if (this.socket && interval > 0 && Date.now() - this.lastFrameAt > interval * SILENCE_INTERVALS) {
      this.apply([{ type: "reconnect", resume: true, delayMs: 0, closeCode: 4900, reason: "no frames from the gateway" }]);
    } else if (!this.socket) {
      await this.open();
    }
    await this.supervise();
  }

  private async supervise(): Promise<void> {
    const config = this.config();
    if (config) await this.ctx.storage.setAlarm(Date.now() + config.superviseMs);
  }

  private config(): DiscordConfig | null {
    const parsed = DiscordConfig.safeParse(this.env);
    if (!parsed.success) {
      this.fail("the Discord channel is not configured (see /health)");
      return null;
    }
    return parsed.data;
  }

  private async open(resumeHint?: boolean): Promise<void> {
    // A fatal close (bad token, disallowed intents) stays fatal until an operator starts again.
    if (this.socket || this.opening || this.get("desired") !== "running" || this.get("state") === "failed") return;
    const config = this.config();
    if (!config) return;
    this.opening = true;
    const machine = new GatewayMachine(this.loadSession(), { token: config.botToken });
    this.machine = machine;
    const resume = resumeHint !== false && machine.canResume;
    if (!resume && machine.session.sessionId) {
      machine.session = NO_SESSION;
      this.saveSession(NO_SESSION);
    }
    this.put("state", resume ? "resuming" : "connecting");
    const generation = ++this.generation;
    try {
      const url = gatewayFetchUrl(resume ? machine.session.resumeUrl! : config.gatewayUrl);
      const response = await fetch(url, { headers: { Upgrade: "websocket" } });
      const socket = response.webSocket;
      if (!socket) {
        await response.body?.cancel();
        throw new Error(`gateway answered ${response.status} without upgrading`);
      }
      socket.accept();
      this.socket = socket;
      this.lastFrameAt = Date.now();
      this.put("connects", String(Number(this.get("connects") ?? 0) + 1));
      socket.addEventListener("message", (event) => {
        if (generation !== this.generation) return;
        this.lastFrameAt = Date.now();
        const text = typeof event.data === "string" ? event.data : new TextDecoder().decode(event.data as ArrayBuffer);
        this.apply(machine.received(text));
      });
      socket.addEventListener("close", (event) => {
        if (generation !== this.generation) return;
        this.detach();
        log("discord.gateway_closed", { code: event.code });
        this.apply(machine.closed(event.code, event.reason));
      });
      socket.addEventListener("error", () => {
        if (generation !== this.generation) return;
        this.detach();
        this.apply(machine.closed(1006, "socket error"));
      });
      this.apply(machine.opened());
    } catch (error) {
      this.detach();
      const reason = error instanceof Error ? error.message.slice(0, 200) : "connection failed";
      log("discord.gateway_open_failed", { reason });
      this.apply(machine.failedToOpen(reason));
    } finally {
      this.opening = false;
    }
  }

  private apply(effects: readonly Effect[]): void {
    for (const effect of effects) {
      switch (effect.type) {
        case "send":
          this.socket?.send(JSON.stringify(effect.payload));
          break;
        case "heartbeat-in":
          if (this.heartbeat) clearTimeout(this.heartbeat);
          this.heartbeat = setTimeout(() => this.machine && this.apply(this.machine.heartbeatDue()), effect.ms);
          break;
        case "session":
          this.saveSession(effect.session);
          break;
        case "ready":
          this.put("state", "connected");
          this.remove("error");
          if (effect.resumed) this.put("resumes", String(Number(this.get("resumes") ?? 0) + 1));
          log(effect.resumed ? "discord.gateway_resumed" : "discord.gateway_ready", {});
          break;
        case "dispatch":
          this.enqueue(effect.event, effect.seq, effect.data);
          break;
        case "reconnect": {
          log("discord.gateway_reconnect", { reason: effect.reason, resume: effect.resume, delayMs: effect.delayMs });
          this.teardown(effect.closeCode ?? 4900, "reconnecting");
          if (this.get("desired") !== "running") break;
          this.put("state", "reconnecting");
          if (this.retry) clearTimeout(this.retry);
          this.retry = setTimeout(() => {
            this.retry = null;
            this.ctx.waitUntil(this.open(effect.resume));
          }, effect.delayMs);
          break;
        }
        case "stop":
          this.teardown(1000, "fatal");
          this.fail(effect.reason);
          break;
      }
    }
  }

  /**
   * Dispatches are handled one at a time, in sequence order. Those of a connection that has
   * since been replaced are skipped without saving their sequence number: the RESUME that
   * follows makes Discord replay them.
   */
  private enqueue(event: string, seq: number, data: unknown): void {
    const generation = this.generation;
    const machine = this.machine;
    this.work = this.work
      .then(async () => {
        if (generation !== this.generation) return;
        if (event === "MESSAGE_CREATE") await this.forward(data as GatewayMessageCreateDispatchData);
        else this.learn(event, data);
        this.put("last_event_at", String(Date.now()));
        if (machine && machine === this.machine) this.apply(machine.handled(seq));
      })
      .catch(() => {});
    this.ctx.waitUntil(this.work);
  }

  /**
   * Threads and the channels they live in, from the dispatches that announce them: a thread
   * created (or the bot added to one), the active threads of a channel the bot gains access to,
   * and of a server when it becomes available. MESSAGE_CREATE does not say which channel a
   * thread is in; this does, without an API call.
   */
  private learn(event: string, data: unknown): void {
    if (event === "THREAD_CREATE" || event === "THREAD_UPDATE") this.remember([data]);
    else if (event === "THREAD_LIST_SYNC" || event === "GUILD_CREATE") this.remember(ThreadList.safeParse(data).data?.threads ?? []);
  }

  private remember(channels: readonly unknown[]): void {
    const now = Date.now();
    for (const raw of channels) {
      const channel = ChannelFields.safeParse(raw);
      if (!channel.success) continue;
      this.ctx.storage.sql.exec(
        "INSERT OR REPLACE INTO gw_channels (id, type, parent_id, seen_at) VALUES (?, ?, ?, ?)",
        channel.data.id,
        channel.data.type,
        channel.data.parent_id ?? null,
        now,
      );
    }
    const count = this.ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM gw_channels").one().n;
    if (count > CHANNELS_KEPT) {
      this.ctx.storage.sql.exec("DELETE FROM gw_channels WHERE id IN (SELECT id FROM gw_channels ORDER BY seen_at ASC LIMIT ?)", count - CHANNELS_KEPT);
    }
  }

  private known(channelId: string): ChannelInfo | undefined {
    const row = this.ctx.storage.sql.exec<{ type: number; parent_id: string | null }>("SELECT type, parent_id FROM gw_channels WHERE id = ?", channelId).toArray()[0];
    return row ? { type: row.type, parentId: row.parent_id } : undefined;
  }

  /**
   * Routes a message; a server channel the record does not know (a thread created before the
   * bot could see it, or while the Gateway was not told) is read once with `GET /channels/{id}`
   * and remembered. A channel the bot may not read skips the message; a failed call throws, and
   * the dispatch is tried again.
   */
  private async route(data: GatewayMessageCreateDispatchData, config: DiscordConfig, allowBots: boolean): Promise<Exclude<GatewayRoute, { route: "lookup" }>> {
    const routed = routeGatewayMessage(data, config, { allowBots, channel: (id) => this.known(id) });
    if (routed.route !== "lookup") return routed;
    try {
      this.remember([await discordRest(config).get(`/channels/${routed.channelId}`)]);
    } catch (error) {
      if (!(error instanceof DiscordAPIError) || (error.status !== 403 && error.status !== 404)) throw error;
      log("discord.gateway_channel_unreadable", { channelId: routed.channelId, status: error.status, code: typeof error.code === "number" ? error.code : 0 });
      return { route: "skip", reason: `channel ${routed.channelId} cannot be read (${error.status})` };
    }
    const found = this.known(routed.channelId);
    const again = routeGatewayMessage(data, config, { allowBots, channel: () => found });
    return again.route === "lookup" ? { route: "skip", reason: `channel ${routed.channelId} is not a channel` } : again;
  }

  private async forward(data: GatewayMessageCreateDispatchData): Promise<void> {
    const config = this.config();
    if (!config) return;
    const core = CoreConfig.safeParse(this.env);
    for (let attempt = 1; ; attempt++) {
      try {
        const routed = await this.route(data, config, core.success && core.data.ALLOW_BOTS);
        if (routed.route === "skip") return;
        const event = NormalizedEvent.safeParse(routed.event);
        if (!event.success) {
          log("discord.gateway_malformed", { dedupeId: data.id });
          return;
        }
        const outcome = await this.dispatch(event.data);
        this.put("dispatched", String(Number(this.get("dispatched") ?? 0) + 1));
        log(`discord.gateway_${outcome.status}`, { conversationKey: event.data.conversationKey, dedupeId: event.data.dedupeId });
        return;
      } catch (error) {
        if (attempt >= 5) {
          // Not saving this seq: after a resume Discord replays the event.
          log("discord.gateway_dispatch_failed", { dedupeId: data.id });
          this.apply([{ type: "reconnect", resume: true, delayMs: 5000, closeCode: 4900, reason: "dispatch failed" }]);
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
      }
    }
  }

  private teardown(code: number, reason: string): void {
    const socket = this.socket;
    this.detach();
    try {
      socket?.close(code, reason);
    } catch {
      // Already closed.
    }
  }

  private detach(): void {
    this.generation++;
    this.socket = null;
    if (this.heartbeat) clearTimeout(this.heartbeat);
    this.heartbeat = null;
  }

  private fail(reason: string): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    log("discord.gateway_failed", { reason });
    this.put("state", "failed");
    this.put("error", reason);
  }

  private currentState(desired: "running" | "stopped"): GatewayStatus["state"] {
    if (desired === "stopped") return "stopped";
    const stored = this.get("state") as GatewayStatus["state"] | undefined;
    if (stored === "failed") return "failed";
    if (!this.socket) return stored === "resuming" || stored === "connecting" ? stored : "reconnecting";
    const phase = this.machine?.phase;
    if (phase === "ready") return "connected";
    if (phase === "resuming") return "resuming";
    if (phase === "identifying") return "identifying";
    return stored ?? "connecting";
  }

  private loadSession(): GatewaySession {
    const sessionId = this.get("session_id") ?? null;
    const resumeUrl = this.get("resume_url") ?? null;
    const seq = this.get("seq");
    return { sessionId, resumeUrl, seq: seq === undefined ? null : Number(seq) };
  }

  private saveSession(session: GatewaySession): void {
    for (const [key, value] of [
      ["session_id", session.sessionId],
      ["resume_url", session.resumeUrl],
      ["seq", session.seq === null ? null : String(session.seq)],
    ] as const) {
      if (value === null) this.remove(key);
      else this.put(key, value);
    }
  }

  private get(key: string): string | undefined {
    return this.ctx.storage.sql.exec<{ value: string }>("SELECT value FROM gw_state WHERE key = ?", key).toArray()[0]?.value;
  }

  private put(key: string, value: string): void {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO gw_state (key, value) VALUES (?, ?)", key, value);
  }

  private remove(key: string): void {
    this.ctx.storage.sql.exec("DELETE FROM gw_state WHERE key = ?", key);
  }
}
