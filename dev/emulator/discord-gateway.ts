// A fake Discord Gateway (WebSocket, JSON encoding) that follows Discord's documented opcode
// sequences: HELLO → IDENTIFY → READY (session_id, resume_gateway_url) → DISPATCH with `s` …;
// HEARTBEAT → HEARTBEAT_ACK; RESUME → the missed dispatches in order, then RESUMED; RECONNECT
// (op 7) and INVALID_SESSION (op 9) on demand; close codes 4002/4003/4004/4005/4014.
// Dispatches made while the bot is disconnected are buffered in its session and replayed on RESUME.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { APIUser } from "discord-api-types/v10";
import { createRequire } from "node:module";
import type { WebSocket, WebSocketServer } from "ws";

// Loaded through Node's resolver: bundlers (vitest's global setup) pick ws's browser stub.
const { WebSocketServer: Server } = createRequire(import.meta.url)("ws") as { WebSocketServer: typeof WebSocketServer };

export interface FakeGatewayOptions {
  tokens: readonly string[];
  botUser: APIUser;
  applicationId: string;
  /** HELLO's heartbeat_interval. Discord sends 41250. */
  heartbeatIntervalMs?: number;
  /** Intents beyond GUILD_MESSAGES and DIRECT_MESSAGES' non-privileged set that are allowed. */
  allowPrivilegedIntents?: boolean;
}

interface Dispatch {
  op: 0;
  t: string;
  s: number;
  d: unknown;
}

interface Session {
  id: string;
  seq: number;
  /** Every dispatch of the session, for replay on RESUME. */
  buffer: Dispatch[];
  socket: WebSocket | null;
  valid: boolean;
  intents: number;
}

export interface GatewayLogEntry {
  at: string;
  direction: "in" | "out" | "event";
  op?: number;
  t?: string;
  s?: number | null;
  note?: string;
}

const PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15);
export const GATEWAY_PATH = "/discord/gateway";
export const RESUME_PATH = "/discord/gateway-resume";

export function createFakeGateway(options: FakeGatewayOptions) {
  const wss = new Server({ noServer: true });
  const settings = { heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250, ackHeartbeats: true, acceptConnections: true };
  let sessions = new Map<string, Session>();
  let current: Session | null = null;
  let sockets = new Set<WebSocket>();
  let log: GatewayLogEntry[] = [];
  const counts = { identify: 0, resume: 0, heartbeat: 0, connections: 0 };
  let origin = "ws://127.0.0.1";

  const note = (entry: Omit<GatewayLogEntry, "at">) => {
    log.push({ at: new Date().toISOString(), ...entry });
    if (log.length > 500) log = log.slice(-500);
  };
  const send = (socket: WebSocket, payload: { op: number; d: unknown; s?: number | null; t?: string | null }) => {
    if (socket.readyState !== socket.OPEN) return false;
    socket.send(JSON.stringify({ s: null, t: null, ...payload }));
    note({ direction: "out", op: payload.op, t: payload.t ?? undefined, s: payload.s ?? null });
    return true;
  };
  const dispatchTo = (session: Session, t: string, d: unknown): Dispatch => {
    const event: Dispatch = { op: 0, t, s: ++session.seq, d };
    session.buffer.push(event);
    if (session.socket) send(session.socket, event);
    return event;
  };

  function accept(socket: WebSocket) {
    counts.connections++;
    sockets.add(socket);
    let session: Session | null = null;
    send(socket, { op: 10, d: { heartbeat_interval: settings.heartbeatIntervalMs } });
    socket.on("close", (code) => {
      sockets.delete(socket);
      if (session && session.socket === socket) session.socket = null;
      // A client closing with 1000/1001 ends its session; any other code keeps it resumable.
      if (session && (code === 1000 || code === 1001)) session.valid = false;
    });
    socket.on("message", (raw) => {
      let payload: { op?: unknown; d?: unknown };
      try {
        payload = JSON.parse(String(raw)) as { op?: unknown; d?: unknown };
      } catch {
        socket.close(4002, "Error while decoding payload.");
        return;
      }
      note({ direction: "in", op: typeof payload.op === "number" ? payload.op : undefined });
      const d = (payload.d ?? {}) as Record<string, unknown>;
      switch (payload.op) {
        case 1:
          counts.heartbeat++;
          if (settings.ackHeartbeats) send(socket, { op: 11, d: null });
          return;
        case 2: {
          if (session) return socket.close(4005, "Already authenticated.");
          if (typeof d.token !== "string" || !options.tokens.includes(d.token)) return socket.close(4004, "Authentication failed.");
          const intents = Number(d.intents);
          if (!Number.isInteger(intents)) return socket.close(4013, "Invalid intent(s).");
          if (intents & PRIVILEGED_INTENTS && !options.allowPrivilegedIntents) return socket.close(4014, "Disallowed intent(s).");
          counts.identify++;
          if (current) current.valid = false;
          session = { id: crypto.randomUUID().replace(/-/g, ""), seq: 0, buffer: [], socket, valid: true, intents };
          sessions.set(session.id, session);
          current = session;
          dispatchTo(session, "READY", {
            v: 10,
            user: options.botUser,
            guilds: [],
            session_id: session.id,
            resume_gateway_url: `${origin}${RESUME_PATH}`,
            shard: [0, 1],
            application: { id: options.applicationId, flags: 0 },
          });
          return;
        }
        case 6: {
          if (session) return socket.close(4005, "Already authenticated.");
          if (typeof d.token !== "string" || !options.tokens.includes(d.token)) return socket.close(4004, "Authentication failed.");
          const found = typeof d.session_id === "string" ? sessions.get(d.session_id) : undefined;
          if (!found || !found.valid) {
            send(socket, { op: 9, d: false });
            return;
          }
          counts.resume++;
          session = found;
          if (found.socket && found.socket !== socket) found.socket.terminate();
          found.socket = socket;
          const after = Number(d.seq);
          const missed = found.buffer.filter((event) => event.s > after);
          note({ direction: "event", note: `resume after ${after}: replaying ${missed.length}` });
          for (const event of missed) send(socket, event);
          dispatchTo(found, "RESUMED", null);
          return;
        }
        default:
          if (!session) socket.close(4003, "Not authenticated.");
      }
    });
  }

  return {
    /** Handles an HTTP upgrade for the gateway paths; returns false for any other path. */
    upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
      const path = new URL(request.url ?? "/", "http://x").pathname;
      if (path !== GATEWAY_PATH && path !== RESUME_PATH) return false;
      origin = `ws://${request.headers.host ?? "127.0.0.1"}`;
      if (!settings.acceptConnections) {
        note({ direction: "event", note: "connection refused (acceptConnections: false)" });
        socket.end("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return true;
      }
      wss.handleUpgrade(request, socket, head, (ws: WebSocket) => accept(ws));
      return true;
    },
    /** Dispatches an event in the current session; buffered (sent on RESUME) while disconnected. */
    dispatch(t: string, d: unknown): { s: number | null; sent: boolean } {
      if (!current || !current.valid) return { s: null, sent: false };
      const sent = current.socket !== null;
      return { s: dispatchTo(current, t, d).s, sent };
    },
    /** Drops every connection: abruptly (no close frame, the client sees 1006) or with a close code. */
    drop(code?: number): number {
      const count = sockets.size;
      for (const socket of sockets) {
        if (code === undefined) socket.terminate();
        else socket.close(code, "closed by the emulator");
      }
      return count;
    },
    reconnect(): number {
      let sent = 0;
      for (const socket of sockets) if (send(socket, { op: 7, d: null })) sent++;
      return sent;
    },
    invalidate(resumable: boolean): number {
      if (!resumable && current) current.valid = false;
      let sent = 0;
      for (const socket of sockets) if (send(socket, { op: 9, d: resumable })) sent++;
      return sent;
    },
    configure(change: Partial<typeof settings>) {
      Object.assign(settings, change);
      return { ...settings };
    },
    snapshot() {
      return {
        settings: { ...settings },
        counts: { ...counts },
        connected: sockets.size,
        session: current ? { id: current.id, seq: current.seq, connected: current.socket !== null, valid: current.valid } : null,
        log: [...log],
      };
    },
    reset() {
      for (const socket of sockets) socket.terminate();
      sessions = new Map();
      current = null;
      sockets = new Set();
      log = [];
      Object.assign(counts, { identify: 0, resume: 0, heartbeat: 0, connections: 0 });
      settings.ackHeartbeats = true;
      settings.acceptConnections = true;
      settings.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 41_250;
    },
  };
}

export type FakeGateway = ReturnType<typeof createFakeGateway>;
