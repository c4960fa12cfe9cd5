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
