// Builds Discord interactions exactly as Discord sends them: real payload shape, real Ed25519
// signature over timestamp + body. Runtime-agnostic: used by the playground in Node and by
// tests inside workerd.
import { hexToBytes, toHex } from "../src/crypto.ts";

const PKCS8_ED25519_PREFIX = "302e020100300506032b657004220420";
const DISCORD_EPOCH = 1_420_070_400_000n;
let counter = 0;

/** A fresh snowflake, minted `agoMs` in the past. */
export function snowflake(agoMs = 0): string {
  return String(((BigInt(Date.now() - agoMs) - DISCORD_EPOCH) << 22n) | BigInt(++counter % 4096));
}

/** The application's signing key from its 32-byte Ed25519 seed (hex). */
export async function importSeed(seedHex: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("pkcs8", hexToBytes(PKCS8_ED25519_PREFIX + seedHex), { name: "Ed25519" }, false, ["sign"]);
}

/** Discord's headers for `body`: Ed25519 over timestamp + body. */
export async function signInteraction(body: string, key: CryptoKey, timestamp = Math.floor(Date.now() / 1000)): Promise<Record<string, string>> {
  const signature = await crypto.subtle.sign("Ed25519", key, new TextEncoder().encode(String(timestamp) + body));
  return { "content-type": "application/json", "x-signature-ed25519": toHex(signature), "x-signature-timestamp": String(timestamp) };
}

export const DISCORD_USER = { id: "1033044521375764530", username: "testuser2384", global_name: "Test User", discriminator: "0", avatar: null };

/** A member's everyday permissions in a channel: View Channel, Send Messages, Add Reactions, Read Message History, Send Messages in Threads. */
const MEMBER_PERMISSIONS = (1n << 10n) | (1n << 11n) | (1n << 6n) | (1n << 16n) | (1n << 38n);
/** Manage Server: who may approve the bot's requests by default (channels/discord/README.md, "Approvals"). */
const MANAGE_GUILD = 1n << 5n;

/**
 * The dev server's people, as Discord computes their permissions in a channel: the playground's
 * own user manages the server, so their presses approve; a visitor's are refused.
 */
export const DEV_DISCORD_PEOPLE = {
  you: { user: DISCORD_USER, permissions: String(MEMBER_PERMISSIONS | MANAGE_GUILD) },
  visitor: { user: { id: "1033044521375764531", username: "visitor0001", global_name: "Visitor", discriminator: "0", avatar: null }, permissions: String(MEMBER_PERMISSIONS) },
} as const;

/**
 * The partial channel an interaction carries: a text channel, or a public thread (type 11) in
 * `parentId`, as Discord describes the channel a command is run or a button pressed in.
 */
function interactionChannel(channelId: string, guildId: string, parentId?: string) {
  return parentId === undefined
    ? { id: channelId, type: 0, guild_id: guildId, name: "general" }
    : { id: channelId, type: 11, guild_id: guildId, name: "thread", parent_id: parentId, flags: 0 };
}

/** A `/triage <text>` application command as Discord delivers it; `parentId` runs it in thread `channelId`. */
export function triageCommand(input: { applicationId: string; guildId: string; channelId: string; parentId?: string; text: string; ageMs?: number }) {
  const id = snowflake(input.ageMs ?? 0);
  const token = `aW50ZXJhY3Rpb246${id}${crypto.randomUUID().replace(/-/g, "")}`;
  const payload = {
    app_permissions: "2248473465835073",
    application_id: input.applicationId,
    channel: interactionChannel(input.channelId, input.guildId, input.parentId),
    channel_id: input.channelId,
    guild_id: input.guildId,
    context: 0,
    data: { id: "1457600000000000001", name: "triage", type: 1, options: [{ name: "text", type: 3, value: input.text }] },
    entitlements: [],
    id,
    locale: "en-US",
    member: {
      user: DISCORD_USER,
      roles: [],
      nick: null,
      permissions: "9007199254740991",
      joined_at: "2026-01-04T20:21:10.139000+00:00",
      deaf: false,
      mute: false,
      flags: 0,
    },
    token,
    type: 2,
    version: 1,
  };
  return { payload, id, token };
}

/** Someone pressing a button: who they are in the server, and the bot's message that carries the button. */
export interface ButtonPress {
  readonly applicationId: string;
  readonly guildId: string;
  readonly channelId: string;
  /** When `channelId` is a thread: the channel it lives in. */
  readonly parentId?: string;
  /** The bot's message with the button, as Discord includes it in the interaction. */
  readonly message: { readonly id: string; readonly content: string; readonly author: { readonly id: string; readonly username: string }; readonly components?: unknown[] };
  readonly customId: string;
  readonly member: {
    readonly user: { readonly id: string; readonly username: string; readonly global_name?: string | null };
    readonly roles?: readonly string[];
    /** The member's permissions in the channel, as Discord computes them (a decimal bitfield). */
    readonly permissions: string;
  };
}

/** A MESSAGE_COMPONENT interaction (type 3) as Discord delivers a button press in a server. */
export function buttonPress(press: ButtonPress) {
  const id = snowflake();
  const token = `aW50ZXJhY3Rpb246${id}${crypto.randomUUID().replace(/-/g, "")}`;
  const payload = {
    app_permissions: "2248473465835073",
    application_id: press.applicationId,
    channel: interactionChannel(press.channelId, press.guildId, press.parentId),
    channel_id: press.channelId,
    guild_id: press.guildId,
    context: 0,
    data: { component_type: 2, custom_id: press.customId, id: 2 },
    entitlements: [],
    id,
    locale: "en-US",
    member: {
      user: { discriminator: "0", avatar: null, global_name: null, ...press.member.user },
      roles: [...(press.member.roles ?? [])],
      nick: null,
      permissions: press.member.permissions,
      joined_at: "2026-01-04T20:21:10.139000+00:00",
      deaf: false,
      mute: false,
      flags: 0,
    },
    message: {
      id: press.message.id,
      channel_id: press.channelId,
      type: 0,
      content: press.message.content,
      author: { discriminator: "0", avatar: null, global_name: null, bot: true, ...press.message.author },
      components: press.message.components ?? [],
      attachments: [],
      embeds: [],
      mentions: [],
      mention_roles: [],
      pinned: false,
      mention_everyone: false,
      tts: false,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      flags: 0,
    },
    token,
    type: 3,
    version: 1,
  };
  return { payload, id, token };
}
