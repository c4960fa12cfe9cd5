// In-memory Discord: channel messages (with nonce dedupe), threads, interactions and their
// webhook messages, application commands. Shapes are typed with discord-api-types.
import type {
  APIApplicationCommand,
  APIMessage,
  APIMessageTopLevelComponent,
  APIThreadChannel,
  APIUser,
  ChannelFlags,
  RESTPutAPIApplicationCommandsJSONBody,
  ThreadChannelType,
} from "discord-api-types/v10";

const DISCORD_EPOCH = 1_420_070_400_000n;
/** How long Discord remembers a nonce for `enforce_nonce` ("a few minutes"). */
export const NONCE_WINDOW_MS = 5 * 60_000;
export const INTERACTION_TOKEN_MS = 15 * 60_000;
/** MessageFlags.HasThread: the message starts a thread (a number: see EPHEMERAL in discord.ts). */
const HAS_THREAD = 32;

/** A thread to open: from a message (its id becomes the thread's) or on its own, in `parentId`. */
export interface NewThread {
  parentId: string;
  guildId?: string;
  type: ThreadChannelType;
  name: string;
  ownerId: string;
  autoArchiveDuration?: number;
  rateLimitPerUser?: number;
  /** The message the thread starts from; absent for a thread started without one. */
  starter?: APIMessage;
}

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
  let threads = new Map<string, APIThreadChannel>();

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
    /** Whether some channel holds a message with this id. */
    isMessageId(id: string): boolean {
      for (const list of messages.values()) if (list.some((message) => message.id === id)) return true;
      return false;
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
      const thread = threads.get(input.channelId);
      // A thread's messages carry their position in it, as Discord's do.
      const message = this.build(thread ? { ...input, extra: { position: thread.total_message_sent ?? 0, ...input.extra } } : input);
      channel(input.channelId).push(message);
      if (thread) {
        thread.message_count = (thread.message_count ?? 0) + 1;
        thread.total_message_sent = (thread.total_message_sent ?? 0) + 1;
        thread.last_message_id = message.id;
      }
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
    /**
     * Opens a thread. From a message, the thread's id is the message's, and the message carries it
     * (`thread`, flag HasThread) with its live counts, as Discord shows "N messages" under it.
     */
    startThread(input: NewThread): APIThreadChannel {
      const now = new Date().toISOString().replace("Z", "000+00:00");
      const thread: APIThreadChannel = {
        id: input.starter?.id ?? snowflake(),
        type: input.type,
        ...(input.guildId ? { guild_id: input.guildId } : {}),
        parent_id: input.parentId,
        owner_id: input.ownerId,
        name: input.name,
        last_message_id: null,
        message_count: 0,
        member_count: 1,
        total_message_sent: 0,
        rate_limit_per_user: input.rateLimitPerUser ?? 0,
        flags: 0 as ChannelFlags,
        thread_metadata: { archived: false, auto_archive_duration: input.autoArchiveDuration ?? 4320, archive_timestamp: now, locked: false, create_timestamp: now },
      };
      threads.set(thread.id, thread);
      if (input.starter) {
        input.starter.thread = thread;
        input.starter.flags = (input.starter.flags ?? 0) | HAS_THREAD;
      }
      return thread;
    },
    thread(id: string): APIThreadChannel | undefined {
      return threads.get(id);
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
        threads: [...threads.values()],
      };
    },
    reset() {
      messages = new Map();
      nonces = new Map();
      interactions = new Map();
      ephemerals = [];
      commands = new Map();
      threads = new Map();
    },
  };
}

export type DiscordStore = ReturnType<typeof createDiscordStore>;
