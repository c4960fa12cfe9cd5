// In-memory Discord: channel messages (with nonce dedupe), interactions and their webhook
// messages, application commands. Shapes are typed with discord-api-types.
import type { APIApplicationCommand, APIMessage, APIMessageTopLevelComponent, APIUser, RESTPutAPIApplicationCommandsJSONBody } from "discord-api-types/v10";

const DISCORD_EPOCH = 1_420_070_400_000n;
/** How long Discord remembers a nonce for `enforce_nonce` ("a few minutes"). */
export const NONCE_WINDOW_MS = 5 * 60_000;
export const INTERACTION_TOKEN_MS = 15 * 60_000;

export interface StoredInteraction {
  id: string;
  token: string;
  applicationId: string;
  channelId: string;
  guildId?: string;
  createdAt: number;
  /** Who interacted: Discord shows them the interaction's ephemeral follow-ups, and no one else. */
  user?: { id: string; username: string; global_name?: string | null };
  /** 2 for an application command, 3 for a component (a button press). */
  type?: number;
  original: APIMessage | null;
  followups: string[];
}

/** A follow-up only the person who interacted sees (flags 64): never in the channel's messages. */
export interface EphemeralMessage {
  interactionId: string;
  channelId: string;
  /** The person who sees it, when the interaction was registered with one. */
  userId?: string;
  message: APIMessage;
}

interface NewMessage {
  channelId: string;
  guildId?: string;
  author: APIUser;
  content: string;
  nonce?: string | number;
  reference?: APIMessage;
  webhookId?: string;
  applicationId?: string;
  extra?: Partial<APIMessage>;
}

export function createDiscordStore(botUser: APIUser) {
  let counter = 0;
  let messages = new Map<string, APIMessage[]>();
  let nonces = new Map<string, { id: string; at: number }>();
  let interactions = new Map<string, StoredInteraction>();
  let ephemerals: EphemeralMessage[] = [];
  let commands = new Map<string, APIApplicationCommand[]>();

  const snowflake = (at = Date.now()): string =>
    String(((BigInt(at) - DISCORD_EPOCH) << 22n) | BigInt(++counter % 4096));

  const channel = (id: string) => {
    let list = messages.get(id);
    if (!list) messages.set(id, (list = []));
    return list;
  };

  return {
    snowflake,
    botUser,
    find(channelId: string, id: string): APIMessage | undefined {
      return messages.get(channelId)?.find((message) => message.id === id);
    },
    list(channelId: string): APIMessage[] {
      return [...(messages.get(channelId) ?? [])];
    },
    /** A message by the nonce its author sent within the window, if `enforce_nonce` applies. */
    byNonce(channelId: string, authorId: string, nonce: string, now: number): APIMessage | undefined {
      const seen = nonces.get(`${channelId}:${authorId}:${nonce}`);
      return seen && now - seen.at < NONCE_WINDOW_MS ? this.find(channelId, seen.id) : undefined;
    },
    add(input: NewMessage): APIMessage {
      const message = this.build(input);
      channel(input.channelId).push(message);
      if (input.nonce !== undefined) nonces.set(`${input.channelId}:${input.author.id}:${input.nonce}`, { id: message.id, at: Date.parse(message.timestamp) });
      return message;
    },
    /** A message as Discord would shape it, without putting it in its channel (ephemeral ones). */
    build(input: NewMessage): APIMessage {
      const now = Date.now();
      return {
        id: snowflake(now),
        channel_id: input.channelId,
        author: input.author,
        content: input.content,
        timestamp: new Date(now).toISOString().replace("Z", "000+00:00"),
        edited_timestamp: null,
        tts: false,
        mention_everyone: false,
        mentions: [],
        mention_roles: [],
        attachments: [],
        embeds: [],
        pinned: false,
        type: input.reference ? 19 : 0,
        components: [],
        ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
        ...(input.webhookId ? { webhook_id: input.webhookId } : {}),
        ...(input.applicationId ? { application_id: input.applicationId } : {}),
        ...(input.reference
          ? {
              message_reference: { type: 0, message_id: input.reference.id, channel_id: input.channelId, ...(input.guildId ? { guild_id: input.guildId } : {}) },
              referenced_message: input.reference,
            }
          : {}),
        ...input.extra,
      };
    },
    /** Discord's edit semantics: a field left out stays as it is; `components: []` removes them. */
    edit(message: APIMessage, change: { content?: string; components?: APIMessageTopLevelComponent[] }): APIMessage {
      if (change.content !== undefined) message.content = change.content;
      if (change.components !== undefined) message.components = change.components;
      message.edited_timestamp = new Date().toISOString().replace("Z", "000+00:00");
      return message;
    },
    addEphemeral(entry: EphemeralMessage): APIMessage {
      ephemerals.push(entry);
      return entry.message;
    },
    registerInteraction(input: Omit<StoredInteraction, "original" | "followups">): StoredInteraction {
      const stored: StoredInteraction = { ...input, original: null, followups: [] };
      interactions.set(input.token, stored);
      return stored;
    },
    interaction(token: string): StoredInteraction | undefined {
      return interactions.get(token);
    },
    setCommands(scope: string, applicationId: string, body: RESTPutAPIApplicationCommandsJSONBody, guildId?: string): APIApplicationCommand[] {
      const existing = commands.get(scope) ?? [];
      const result = body.map((command) => {
        const kept = existing.find((c) => c.name === command.name && (c.type ?? 1) === (command.type ?? 1));
        return {
          id: kept?.id ?? snowflake(),
          application_id: applicationId,
          version: snowflake(),
          default_member_permissions: null,
          type: command.type ?? 1,
          name: command.name,
          description: "description" in command ? (command.description ?? "") : "",
          ...("options" in command && command.options ? { options: command.options } : {}),
          ...(guildId ? { guild_id: guildId } : {}),
        } as APIApplicationCommand;
      });
      commands.set(scope, result);
      return result;
    },
    commands(scope: string): APIApplicationCommand[] {
      return commands.get(scope) ?? [];
    },
    snapshot() {
      return {
        channels: Object.fromEntries(messages),
        interactions: [...interactions.values()].map(({ token: _token, ...rest }) => ({ ...rest, token: "***" })),
        ephemerals,
        commands: Object.fromEntries(commands),
      };
    },
    reset() {
      messages = new Map();
      nonces = new Map();
      interactions = new Map();
      ephemerals = [];
      commands = new Map();
    },
  };
}

export type DiscordStore = ReturnType<typeof createDiscordStore>;
