/**
 * The Discord Gateway protocol as a state machine with no I/O: socket events and timer ticks go
 * in, effects (send, schedule, reconnect, stop, dispatch) come out. The Durable Object in
 * gateway-object.ts wires it to a WebSocket, timers and SQLite; tests drive it directly.
 *
 * Sequence (https://discord.com/developers/docs/events/gateway): connect → HELLO (op 10) with
 * the heartbeat interval → first HEARTBEAT after interval × jitter → IDENTIFY (op 2), or
 * RESUME (op 6) with the saved session → READY / RESUMED (op 0) → DISPATCH (op 0, `s`
 * increasing) … A missing HEARTBEAT_ACK (op 11) means a zombie connection: close with a
 * non-1000 code and resume. RECONNECT (op 7) → resume. INVALID_SESSION (op 9) `d: true` →
 * resume, `d: false` → identify anew after 1–5 s.
 */
import type { GatewayReceivePayload, GatewaySendPayload } from "discord-api-types/v10";

export const GATEWAY_VERSION = 10;
/**
 * GUILDS | GUILD_MESSAGES | DIRECT_MESSAGES, none privileged: messages that mention the bot and
 * DMs carry their content; GUILDS brings THREAD_CREATE, THREAD_LIST_SYNC and GUILD_CREATE's
 * threads, which say the channel each thread lives in (MESSAGE_CREATE does not).
 */
export const INTENTS = (1 << 0) | (1 << 9) | (1 << 12);

/** What survives an eviction, persisted by the Durable Object. */
export interface GatewaySession {
  readonly sessionId: string | null;
  readonly resumeUrl: string | null;
  /** Sequence number of the last dispatch fully handled (delivered to its conversation). */
  readonly seq: number | null;
}

export const NO_SESSION: GatewaySession = { sessionId: null, resumeUrl: null, seq: null };

export type Phase = "idle" | "hello" | "identifying" | "resuming" | "ready";

/** Codes after which reconnecting cannot help: the operator must fix the configuration. */
export const FATAL_CLOSE_CODES: Readonly<Record<number, string>> = {
  4004: "authentication failed: DISCORD_BOT_TOKEN is wrong or was reset",
  4010: "invalid shard",
  4011: "sharding required: the bot is in too many guilds for one connection",
  4012: "invalid API version",
  4013: "invalid intents",
  4014: "disallowed intents: enable them for the bot in the Developer Portal",
};
/** The session is gone; a fresh IDENTIFY (not RESUME) follows. */
const FRESH_SESSION_CODES = new Set([4007, 4009]);
/** Our own close code when we drop a connection we want to resume (1000/1001 would end the session). */
export const RESUMABLE_CLOSE = 4900;

export type Effect =
  | { type: "send"; payload: GatewaySendPayload }
  | { type: "heartbeat-in"; ms: number }
  | { type: "reconnect"; resume: boolean; delayMs: number; closeCode?: number; reason: string }
  | { type: "stop"; code: number; reason: string }
  | { type: "session"; session: GatewaySession }
  | { type: "dispatch"; event: string; seq: number; data: unknown }
  | { type: "ready"; resumed: boolean; userId?: string };

export interface MachineOptions {
  readonly token: string;
  readonly intents?: number;
  readonly random?: () => number;
}

export class GatewayMachine {
  phase: Phase = "idle";
  session: GatewaySession;
  heartbeatIntervalMs = 0;
  /** Last `s` seen, for heartbeats; may be ahead of `session.seq` while dispatches are handled. */
  lastSeq: number | null;
  private awaitingAck = false;
  private failures = 0;
  private readonly options: MachineOptions;
  private readonly random: () => number;

  constructor(session: GatewaySession, options: MachineOptions) {
    this.session = session;
    this.lastSeq = session.seq;
    this.options = options;
    this.random = options.random ?? Math.random;
  }

  /** True when the next connection should RESUME rather than IDENTIFY. */
  get canResume(): boolean {
    return this.session.sessionId !== null && this.session.resumeUrl !== null && this.session.seq !== null;
  }

  /** A new socket is open; the server speaks first (HELLO). */
  opened(): Effect[] {
    this.phase = "hello";
    this.awaitingAck = false;
    this.lastSeq = this.session.seq;
    return [];
  }

  received(raw: string): Effect[] {
    let payload: GatewayReceivePayload;
    try {
      payload = JSON.parse(raw) as GatewayReceivePayload;
    } catch {
      return [];
    }
    switch (payload.op) {
      case 10: {
        this.heartbeatIntervalMs = payload.d.heartbeat_interval;
        const effects: Effect[] = [{ type: "heartbeat-in", ms: Math.floor(this.heartbeatIntervalMs * this.random()) }];
        if (this.canResume) {
          this.phase = "resuming";
          effects.push({
            type: "send",
            payload: { op: 6, d: { token: this.options.token, session_id: this.session.sessionId!, seq: this.session.seq! } },
          });
        } else {
          this.phase = "identifying";
          effects.push({
            type: "send",
            payload: {
              op: 2,
              d: {
                token: this.options.token,
                intents: this.options.intents ?? INTENTS,
                properties: { os: "cloudflare-workers", browser: "switchboard", device: "switchboard" },
              },
            },
          });
        }
        return effects;
      }
      case 11:
        this.awaitingAck = false;
        return [];
      case 1:
        return [{ type: "send", payload: { op: 1, d: this.lastSeq } }];
      case 7:
        return [this.reconnect(true, "server asked to reconnect (op 7)", RESUMABLE_CLOSE)];
      case 9: {
        if (payload.d && this.canResume) return [this.reconnect(true, "invalid session, resumable (op 9)", RESUMABLE_CLOSE)];
        this.session = NO_SESSION;
        this.lastSeq = null;
        return [
          { type: "session", session: this.session },
          this.reconnect(false, "invalid session (op 9)", RESUMABLE_CLOSE, 1000 + Math.floor(this.random() * 4000)),
        ];
      }
      case 0: {
        const effects: Effect[] = [];
        if (typeof payload.s === "number") this.lastSeq = Math.max(this.lastSeq ?? 0, payload.s);
        if (payload.t === "READY") {
          this.phase = "ready";
          this.failures = 0;
          this.session = { sessionId: payload.d.session_id, resumeUrl: payload.d.resume_gateway_url, seq: payload.s };
          effects.push({ type: "session", session: this.session }, { type: "ready", resumed: false, userId: payload.d.user.id });
          return effects;
        }
        if (payload.t === "RESUMED") {
          this.phase = "ready";
          this.failures = 0;
          effects.push({ type: "ready", resumed: true });
        }
        effects.push({ type: "dispatch", event: payload.t, seq: payload.s, data: payload.d });
        return effects;
      }
      default:
        return [];
    }
  }

  /** The DO finished handling dispatch `seq`: it is now safe to resume after it. */
  handled(seq: number): Effect[] {
    if (this.session.sessionId === null || (this.session.seq !== null && seq <= this.session.seq)) return [];
    this.session = { ...this.session, seq };
    return [{ type: "session", session: this.session }];
  }

  heartbeatDue(): Effect[] {
    if (this.phase === "idle") return [];
    if (this.awaitingAck) return [this.reconnect(true, "no HEARTBEAT_ACK since the last heartbeat (zombie connection)", RESUMABLE_CLOSE)];
    this.awaitingAck = true;
    return [
      { type: "send", payload: { op: 1, d: this.lastSeq } },
      { type: "heartbeat-in", ms: this.heartbeatIntervalMs },
    ];
  }

  /** The socket closed (by the server or the network): decide what comes next. */
  closed(code: number, reason = ""): Effect[] {
    this.phase = "idle";
    const fatal = FATAL_CLOSE_CODES[code];
    if (fatal) return [{ type: "stop", code, reason: `${code} ${fatal}` }];
    if (FRESH_SESSION_CODES.has(code)) {
      this.session = NO_SESSION;
      return [{ type: "session", session: this.session }, this.reconnect(false, `closed ${code} ${reason}`.trim())];
    }
    return [this.reconnect(this.canResume, `closed ${code} ${reason}`.trim())];
  }

  /** The connection could not be opened at all. */
  failedToOpen(reason: string): Effect[] {
    this.phase = "idle";
    return [this.reconnect(this.canResume, reason)];
  }

  private reconnect(resume: boolean, reason: string, closeCode?: number, minDelayMs = 0): Effect {
    this.phase = "idle";
    this.awaitingAck = false;
    const attempt = this.failures++;
    const backoff = attempt === 0 ? 0 : Math.min(30_000, 500 * 2 ** Math.min(attempt, 6)) * (0.5 + this.random() / 2);
    const delayMs = Math.max(minDelayMs, backoff);
    return { type: "reconnect", resume: resume && this.canResume, delayMs: Math.floor(delayMs), reason, ...(closeCode ? { closeCode } : {}) };
  }
}

/** `wss://host/path` → the URL a Worker `fetch`es with `Upgrade: websocket`. */
export function gatewayFetchUrl(base: string): string {
  const url = new URL(base.replace(/^ws(s?):\/\//, "http$1://"));
  url.searchParams.set("v", String(GATEWAY_VERSION));
  url.searchParams.set("encoding", "json");
  return url.toString();
}
