import { z } from "zod";

/** Where a Slack reply goes: a thread, or a slash command's response URL. */
export const SlackTarget = z.object({
  teamId: z.string().min(1),
  channelId: z.string().min(1),
  threadTs: z.string().min(1),
  /** The message that triggered the turn (for the 👀 reaction). */
  messageTs: z.string().optional(),
  responseUrl: z.url().optional(),
});
export type SlackTarget = z.infer<typeof SlackTarget>;
