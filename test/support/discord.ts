import { exports } from "cloudflare:workers";
import type { RecordedCall } from "../../dev/emulator/core.ts";
import { TEST_ADMIN_TOKEN, TEST_DISCORD, TEST_DISCORD_KEY_SEED } from "../env.ts";
import { emulatorUrl, recordedCalls } from "./emulator.ts";
import { importSeed, signInteraction, snowflake, triageCommand } from "../../dev/discord-events.ts";

export { importSeed, snowflake };

/** Discord's headers for `body`: Ed25519 over timestamp + body with the test application's key. */
export async function signDiscord(body: string, options: { timestamp?: number; key?: CryptoKey } = {}): Promise<Record<string, string>> {
  return signInteraction(body, options.key ?? (await importSeed(TEST_DISCORD_KEY_SEED)), options.timestamp);
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

/** Tells the emulator Discord created this interaction, so its token works for 15 minutes from `createdAt`. */
export async function registerInteraction(interaction: { id: string; token: string; channel_id: string; guild_id?: string }, createdAt = Date.now()) {
  await control("/interactions", { ...interaction, application_id: TEST_DISCORD.applicationId, created_at: createdAt });
}

/** A `/triage <text>` interaction in a fresh channel, registered with the emulator. */
export async function slashCommand(text: string, options: { channelId?: string; ageMs?: number } = {}) {
  const channelId = options.channelId ?? snowflake();
  const { payload, id, token } = triageCommand({
    applicationId: TEST_DISCORD.applicationId,
    guildId: TEST_DISCORD.guildId,
    channelId,
    text,
    ...(options.ageMs !== undefined ? { ageMs: options.ageMs } : {}),
  });
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
export async function gatewayAdmin(action: "start" | "stop" | "status", token = TEST_ADMIN_TOKEN): Promise<Response> {
  return exports.default.fetch(
    new Request(`https://switchboard.test/operator/discord/gateway/${action}`, {
      method: action === "status" ? "GET" : "POST",
      headers: { authorization: `Bearer ${token}` },
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

export { settled } from "./agents.ts";
