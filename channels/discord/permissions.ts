/**
 * The permissions that say someone runs a Discord server or moderates it, by the names and bits
 * Discord documents (developers/docs/topics/permissions). Only these become `permission:…`
 * entries of an actor's roles: everyday ones (Send Messages, View Channel) never decide anything.
 */
export const ELEVATED_PERMISSIONS = {
  KICK_MEMBERS: 1n << 1n,
  BAN_MEMBERS: 1n << 2n,
  ADMINISTRATOR: 1n << 3n,
  MANAGE_CHANNELS: 1n << 4n,
  MANAGE_GUILD: 1n << 5n,
  VIEW_AUDIT_LOG: 1n << 7n,
  MANAGE_MESSAGES: 1n << 13n,
  MENTION_EVERYONE: 1n << 17n,
  MUTE_MEMBERS: 1n << 22n,
  MANAGE_NICKNAMES: 1n << 27n,
  MANAGE_ROLES: 1n << 28n,
  MANAGE_WEBHOOKS: 1n << 29n,
  MANAGE_GUILD_EXPRESSIONS: 1n << 30n,
  MANAGE_EVENTS: 1n << 33n,
  MANAGE_THREADS: 1n << 34n,
  MODERATE_MEMBERS: 1n << 40n,
} as const;

export type ElevatedPermission = keyof typeof ELEVATED_PERMISSIONS;

export const ELEVATED_PERMISSION_NAMES = Object.keys(ELEVATED_PERMISSIONS) as [ElevatedPermission, ...ElevatedPermission[]];

/** The `permission:NAME` role entry an actor gets for a permission they hold. */
export function permissionRole(name: ElevatedPermission): string {
  return `permission:${name}`;
}

/**
 * The elevated permissions set in an interaction member's `permissions` bitfield (a decimal
 * string: the member's permissions in that channel, overwrites included).
 */
export function elevatedPermissions(bitfield: string): ElevatedPermission[] {
  const bits = BigInt(bitfield);
  return ELEVATED_PERMISSION_NAMES.filter((name) => (bits & ELEVATED_PERMISSIONS[name]) !== 0n);
}

/**
 * What the bot needs in a channel, by Discord's names and bits: to see and answer there (View
 * Channels, Send Messages, Read Message History), to start a thread from each report it answers
 * (Create Public Threads) and to answer in threads (Send Messages in Threads). `label` is the name
 * the Developer Portal's URL Generator and a server's settings show.
 */
export const BOT_PERMISSIONS = {
  VIEW_CHANNEL: { bit: 1n << 10n, label: "View Channels" },
  SEND_MESSAGES: { bit: 1n << 11n, label: "Send Messages" },
  READ_MESSAGE_HISTORY: { bit: 1n << 16n, label: "Read Message History" },
  CREATE_PUBLIC_THREADS: { bit: 1n << 35n, label: "Create Public Threads" },
  SEND_MESSAGES_IN_THREADS: { bit: 1n << 38n, label: "Send Messages in Threads" },
} as const;

/** The invite's `permissions`: the sum of BOT_PERMISSIONS' bits, in decimal. */
export const BOT_PERMISSIONS_INTEGER = String(Object.values(BOT_PERMISSIONS).reduce((sum, permission) => sum | permission.bit, 0n));

/** The link that adds the bot to a server with its commands and BOT_PERMISSIONS. */
export function inviteUrl(applicationId: string): string {
  return `https://discord.com/oauth2/authorize?client_id=${applicationId}&scope=bot+applications.commands&permissions=${BOT_PERMISSIONS_INTEGER}`;
}
