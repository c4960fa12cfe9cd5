import { DiscordAPIError, type REST } from "@discordjs/rest";
import type { RESTPostAPIChannelMessageJSONBody, RESTPostAPIChannelMessagesThreadsJSONBody } from "discord-api-types/v10";
import { log } from "../../src/log.ts";
import type { DiscordTarget } from "./target.ts";

/** "A thread has already been created for this message": the thread we want exists. */
export const THREAD_ALREADY_CREATED = 160004;
/** Missing Access, Missing Permissions, Cannot execute action on this channel type: no thread here. */
const THREAD_REFUSED = new Set([50001, 50013, 50024]);
const UNKNOWN_MESSAGE = 10008;
const UNKNOWN_CHANNEL = 10003;

/** Where the bot's messages for a target go, and the message the first of them replies to. */
export interface Place {
  readonly channelId: string;
  readonly replyTo?: string;
}

/** The `message_reference` of a first message that replies to `place.replyTo`, if it has one. */
export function replyReference(place: Place): Pick<RESTPostAPIChannelMessageJSONBody, "message_reference"> {
  return place.replyTo ? { message_reference: { message_id: place.replyTo, fail_if_not_exists: false } } : {};
}

/**
 * Where to post for `target`, once per outbound client: its channel, or its thread, started first
 * when the target asks for one. Starting a thread from a message is exactly-once by itself:
 * Discord refuses a second start with 160004, and the thread that exists is the one wanted (its id
 * is the message's), so a re-run after a crash, a redelivery or the next turn lands in the same
 * thread. Where the bot may not start one (no Create Public Threads, a channel that holds none), it
 * answers in the channel, replying to the message, and logs `discord.thread_refused`.
 */
export function placeOf(rest: REST, target: DiscordTarget): () => Promise<Place> {
  let place: Promise<Place> | undefined;
  return () =>
    (place ??= findPlace(rest, target).catch((error: unknown) => {
      place = undefined;
      throw error;
    }));
}

async function findPlace(rest: REST, target: DiscordTarget): Promise<Place> {
  const start = target.startThread;
  if (!start) return { channelId: target.channelId, ...(target.messageId ? { replyTo: target.messageId } : {}) };
  const inThread: Place = { channelId: target.channelId };
  try {
    const body: RESTPostAPIChannelMessagesThreadsJSONBody = { name: start.name };
    await rest.post(`/channels/${start.parentId}/messages/${target.channelId}/threads`, { body });
    return inThread;
  } catch (error) {
    const code = error instanceof DiscordAPIError ? error.code : undefined;
    if (code === THREAD_ALREADY_CREATED) return inThread;
    // The report was deleted: its thread outlives it if it was started, else the channel is left.
    if (code === UNKNOWN_MESSAGE) return (await channelExists(rest, target.channelId)) ? inThread : { channelId: start.parentId };
    if (typeof code === "number" && THREAD_REFUSED.has(code)) {
      log("discord.thread_refused", { channelId: start.parentId, code });
      return { channelId: start.parentId, replyTo: target.channelId };
    }
    throw error;
  }
}

async function channelExists(rest: REST, channelId: string): Promise<boolean> {
  try {
    await rest.get(`/channels/${channelId}`);
    return true;
  } catch (error) {
    if (error instanceof DiscordAPIError && error.code === UNKNOWN_CHANNEL) return false;
    throw error;
  }
}
