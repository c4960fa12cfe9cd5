import { z } from "zod";

/** Where a Discord reply goes: a channel or thread, or an interaction's deferred response while its token lives. */
export const DiscordTarget = z.object({
  channelId: z.string().min(1),
  messageId: z.string().optional(),
  interaction: z.object({ applicationId: z.string(), token: z.string(), expiresAt: z.string() }).optional(),
});
export type DiscordTarget = z.infer<typeof DiscordTarget>;
