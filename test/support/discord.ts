import { exports } from "cloudflare:workers";
import type { RecordedCall } from "../../dev/emulator/core.ts";
import { TEST_ADMIN_TOKEN, TEST_DISCORD, TEST_DISCORD_KEY_SEED } from "../env.ts";
import { emulatorUrl, recordedCalls, waitFor } from "./emulator.ts";
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

/** The key of a thread's conversation: named under the channel the thread lives in. */
export const threadKey = (parentId: string, threadId: string) => `discord:${TEST_DISCORD.guildId}:${parentId}:${threadId}`;

/**
 * A `/triage <text>` interaction in a fresh channel (or in thread `channelId` of `parentId`),
 * registered with the emulator.
 */
export async function slashCommand(text: string, options: { channelId?: string; parentId?: string; ageMs?: number } = {}) {
  const channelId = options.channelId ?? snowflake();
  const { payload, id, token } = triageCommand({
    applicationId: TEST_DISCORD.applicationId,
    guildId: TEST_DISCORD.guildId,
    channelId,
    ...(options.parentId ? { parentId: options.parentId } : {}),
    text,
    ...(options.ageMs !== undefined ? { ageMs: options.ageMs } : {}),
  });
  await registerInteraction({ id, token, channel_id: channelId, guild_id: TEST_DISCORD.guildId }, Date.now() - (options.ageMs ?? 0));
  const key = options.parentId ? threadKey(options.parentId, channelId) : `discord:${TEST_DISCORD.guildId}:${channelId}`;
  return { payload, id, token, channelId, key };
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

/**
 * A person's @-mention of the bot in server channel `channelId`, over the Gateway. It starts a
 * conversation of its own, answered in a thread started from it: the thread's id is the message's.
 */
export async function mention(channelId: string, text: string, author?: { id: string; username: string }) {
  const sent = await userMessage({ channel_id: channelId, content: `<@${TEST_DISCORD.applicationId}> ${text}`, mentions: [TEST_DISCORD.applicationId], ...(author ? { author } : {}) });
  const messageId = sent.message.id;
  return { ...sent, messageId, threadId: messageId, key: threadKey(channelId, messageId) };
}

export interface EmulatedThread {
  id: string;
  type: number;
  parent_id: string;
  guild_id: string;
  name: string;
  owner_id: string;
  message_count: number;
}

/** The threads the emulated Discord holds. */
export async function discordThreads(): Promise<EmulatedThread[]> {
  const state = (await (await fetch(`${emulatorUrl}/_emulator/state/discord`)).json()) as { threads?: EmulatedThread[] };
  return state.threads ?? [];
}

/** Starts the Worker's Gateway connection unless it is connected already. */
export async function gatewayConnected(): Promise<void> {
  if ((await gatewayStatus()).state === "connected") return;
  await control("/gateway/config", { ackHeartbeats: true, acceptConnections: true });
  await gatewayAdmin("start");
  await waitFor("the Gateway to connect", async () => (await gatewayStatus()).state === "connected");
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

/** Messages the emulator holds in a channel or a thread, oldest first. */
export async function channelMessages(channelId: string): Promise<{ id: string; content: string; author: { id: string }; webhook_id?: string; message_reference?: { message_id: string }; components?: { type: number; components: { custom_id: string; label?: string }[] }[] }[]> {
  const state = (await (await fetch(`${emulatorUrl}/_emulator/state/discord`)).json()) as { channels: Record<string, never[]> };
  return state.channels[channelId] ?? [];
}

export { settled } from "./agents.ts";
