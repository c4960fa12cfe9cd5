import { z } from "zod";

/**
 * Where a Discord reply goes: a channel, a DM or a thread (a thread's id is a channel id), or an
 * interaction's deferred response while its token lives.
 */
export const DiscordTarget = z
  .object({
    channelId: z.string().min(1),
    /** The message being answered: the first reply references it, a ticket links to it. */
    messageId: z.string().optional(),
    interaction: z.object({ applicationId: z.string(), token: z.string(), expiresAt: z.string() }).optional(),
    /**
     * The answer goes in a thread started from `messageId`, in channel `parentId`, named `name`:
     * the first post opens it (channels/discord/threads.ts). Such a thread's id is the message's,
     * so `channelId` is `messageId`. Targets stored before threads have none, and answer in place.
     */
    startThread: z.object({ parentId: z.string().min(1), name: z.string().min(1).max(100) }).optional(),
  })
  .refine((target) => !target.startThread || (target.messageId !== undefined && target.messageId === target.channelId), {
    message: "a thread started from a message has that message's id: channelId and messageId must be equal",
    path: ["startThread"],
  });
export type DiscordTarget = z.infer<typeof DiscordTarget>;

/**
 * A link to the message being answered. A thread's starter message lives in the thread's parent
 * channel, so that is where the link points.
 */
export function messageLink(guildId: string, target: DiscordTarget): string | undefined {
  if (!target.messageId) return undefined;
  return `https://discord.com/channels/${guildId}/${target.startThread?.parentId ?? target.channelId}/${target.messageId}`;
}
