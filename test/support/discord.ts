import { exports } from "cloudflare:workers";
import type { RecordedCall } from "../../dev/emulator/core.ts";
import { gatewayAdminToken } from "../../channels/discord/admin.ts";
import { TEST_DISCORD, TEST_DISCORD_BOT_TOKEN, TEST_DISCORD_KEY_SEED } from "../env.ts";
import { conversation } from "./agents.ts";
import { emulatorUrl, recordedCalls, waitFor } from "./emulator.ts";

const PKCS8_ED25519_PREFIX = "302e020100300506032b657004220420";
const DISCORD_EPOCH = 1_420_070_400_000n;
let counter = 0;

const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g)!, (byte) => Number.parseInt(byte, 16));
const toHex = (bytes: ArrayBuffer) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");

/** A fresh snowflake, minted `agoMs` in the past. */
export function snowflake(agoMs = 0): string {
  return String(((BigInt(Date.now() - agoMs) - DISCORD_EPOCH) << 22n) | BigInt(++counter % 4096));
}

export async function importSeed(seedHex: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("pkcs8", fromHex(PKCS8_ED25519_PREFIX + seedHex), { name: "Ed25519" }, false, ["sign"]);
}

/** Discord's headers for `body`: Ed25519 over timestamp + body with the test application's key. */
export async function signDiscord(body: string, options: { timestamp?: number; key?: CryptoKey } = {}): Promise<Record<string, string>> {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const key = options.key ?? (await importSeed(TEST_DISCORD_KEY_SEED));
  const signature = await crypto.subtle.sign("Ed25519", key, new TextEncoder().encode(timestamp + body));
  return { "content-type": "application/json", "x-signature-ed25519": toHex(signature), "x-signature-timestamp": timestamp };
}

export interface PostOptions {
  timestamp?: number;
  key?: CryptoKey;
  /** Sign this body, then send `send` instead (tampering). */
  send?: string;
  headers?: Record<string, string>;
}

/** POSTs an interaction to the Worker exactly as Discord would: exact bytes, real signature. */
export async function postInteraction(payload: unknown, options: PostOptions = {}): Promise<Response> {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const headers = { ...(await signDiscord(body, options)), ...options.headers };
  return exports.default.fetch(
    new Request("https://switchboard.test/webhooks/discord/interactions", { method: "POST", headers, body: options.send ?? body }),
  );
}

const user = { id: "1033044521375764530", username: "testuser2384", global_name: "Test User", discriminator: "0", avatar: null };

/** Tells the emulator Discord created this interaction, so its token works for 15 minutes from `createdAt`. */
export async function registerInteraction(interaction: { id: string; token: string; channel_id: string; guild_id?: string }, createdAt = Date.now()) {
  await control("/interactions", { ...interaction, application_id: TEST_DISCORD.applicationId, created_at: createdAt });
}

/** A `/triage <text>` interaction in a fresh channel, registered with the emulator. */
export async function slashCommand(text: string, options: { channelId?: string; ageMs?: number } = {}) {
  const id = snowflake(options.ageMs ?? 0);
  const channelId = options.channelId ?? snowflake();
  const token = `aW50ZXJhY3Rpb246${id}${crypto.randomUUID().replace(/-/g, "")}`;
  const payload = {
    app_permissions: "2248473465835073",
    application_id: TEST_DISCORD.applicationId,
    channel: { id: channelId, type: 0, guild_id: TEST_DISCORD.guildId, name: "general" },
    channel_id: channelId,
    guild_id: TEST_DISCORD.guildId,
    context: 0,
    data: { id: "1457600000000000001", name: "triage", type: 1, options: [{ name: "text", type: 3, value: text }] },
    entitlements: [],
    id,
    locale: "en-US",
    member: { user, roles: [], nick: null, permissions: "9007199254740991", joined_at: "2026-01-04T20:21:10.139000+00:00", deaf: false, mute: false, flags: 0 },
    token,
    type: 2,
    version: 1,
  };
  await registerInteraction({ id, token, channel_id: channelId, guild_id: TEST_DISCORD.guildId }, Date.now() - (options.ageMs ?? 0));
  return { payload, id, token, channelId, key: `discord:${TEST_DISCORD.guildId}:${channelId}` };
}

export async function control(path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${emulatorUrl}/_emulator/discord${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`emulator ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

export interface GatewaySnapshot {
  counts: { identify: number; resume: number; heartbeat: number; connections: number };
  connected: number;
  session: { id: string; seq: number; connected: boolean; valid: boolean } | null;
  log: { direction: string; op?: number; t?: string; s?: number | null; note?: string }[];
}

export const gatewaySnapshot = () => control("/gateway") as Promise<GatewaySnapshot>;

/** A person's message in a channel, dispatched over the fake Gateway as MESSAGE_CREATE. */
export async function userMessage(input: {
  channel_id: string;
  guild_id?: string;
  channel_type?: number;
  content: string;
  mentions?: string[];
  mention_roles?: string[];
  author?: { id: string; username: string; bot?: boolean };
}): Promise<{ message: { id: string }; s: number | null; sent: boolean }> {
  return control("/messages", { guild_id: TEST_DISCORD.guildId, ...input }) as Promise<{ message: { id: string }; s: number | null; sent: boolean }>;
}

/** The operator's Gateway endpoints on the Worker. */
export async function gatewayAdmin(action: "start" | "stop" | "status", token = TEST_DISCORD_BOT_TOKEN): Promise<Response> {
  return exports.default.fetch(
    new Request(`https://switchboard.test/discord/gateway/${action}`, {
      method: action === "status" ? "GET" : "POST",
      headers: { authorization: `Bearer ${await gatewayAdminToken(token)}` },
    }),
  );
}

export async function gatewayStatus(): Promise<{ state: string; connected: boolean; seq: number | null; resumes: number; connects: number; error?: string }> {
  return (await (await gatewayAdmin("status")).json()) as never;
}

export const discordCalls = (pathIncludes: string): Promise<RecordedCall[]> => recordedCalls("discord", pathIncludes);
export const isChannelPost = (call: RecordedCall) => call.method === "POST" && /^\/channels\/\d+\/messages$/.test(call.path);

/** Messages the emulator holds in a channel, oldest first. */
export async function channelMessages(channelId: string): Promise<{ id: string; content: string; author: { id: string }; webhook_id?: string; message_reference?: { message_id: string } }[]> {
  const state = (await (await fetch(`${emulatorUrl}/_emulator/state/discord`)).json()) as { channels: Record<string, never[]> };
  return state.channels[channelId] ?? [];
}

export async function settled(key: string, timeoutMs = 15_000) {
  const agent = await conversation(key);
  return waitFor(
    `${key} to settle`,
    async () => {
      const state = await agent.state;
      return state.pending === 0 && state.current === null && state.last ? state : null;
    },
    timeoutMs,
  );
}
