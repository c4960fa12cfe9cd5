import { z } from "zod";

/** A channel's name, as it registered itself ("github", "slack", …): lower-case, no spaces. */
export const ChannelName = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/);
export type ChannelName = z.infer<typeof ChannelName>;

export const EventKind = z.enum([
  "mention",
  "message",
  "issue_opened",
  "issue_reopened",
  "issue_assigned",
  /** An issue was closed, completed or canceled (a ticket's own conversation reports it back). */
  "issue_closed",
  "pr_opened",
  "pr_ready_for_review",
  "comment",
  "review_comment",
  "assigned",
  "command",
  "action",
  /** Stop the turn running in this conversation (e.g. Linear's stop signal); starts no turn. */
  "cancel",
]);
export type EventKind = z.infer<typeof EventKind>;

export const Actor = z.object({
  id: z.string().min(1),
  name: z.string(),
  isBot: z.boolean(),
  isSelf: z.boolean(),
  /** What the platform says this person may do here (Discord role ids, `permission:…` flags), for approvals. */
  roles: z.array(z.string().max(64)).max(250).optional(),
});
export type Actor = z.infer<typeof Actor>;

/**
 * What the event's channel needs to answer in place, in that channel's own shape (its `target`
 * schema checks it): the core stores and passes it, and never reads it.
 */
export const ReplyTo = z.record(z.string(), z.unknown());
export type ReplyTo = z.infer<typeof ReplyTo>;

/** Size of a pull request as the platform reports it, for summaries and size labels. */
export const ChangeStats = z.object({
  additions: z.number().int().nonnegative(),
  deletions: z.number().int().nonnegative(),
  changedFiles: z.number().int().nonnegative(),
  baseRef: z.string().optional(),
  headRef: z.string().optional(),
});
export type ChangeStats = z.infer<typeof ChangeStats>;

/** One event from any platform, in the only shape the core and the agents see. */
export const NormalizedEvent = z.object({
  channel: ChannelName,
  /** The platform's delivery id: a redelivery carries the same one. */
  dedupeId: z.string().min(1).max(200),
  /** Further ids under which the same occurrence may arrive again (e.g. Slack channel:ts). */
  aliases: z.array(z.string().min(1).max(200)).default([]),
  conversationKey: z.string().min(1).max(300),
  kind: EventKind,
  actor: Actor,
  /**
   * Plain text, platform mentions resolved; the bot's own @-mention removed. Cut at 64 Ki
   * characters rather than refused: a long message is still a message, and its start is enough.
   */
  text: z.string().transform((text) => text.slice(0, 65_536)),
  /** True when the bot was @-mentioned, assigned, or the event always starts a turn. */
  addressedToBot: z.boolean(),
  title: z
    .string()
    .transform((title) => title.slice(0, 1024))
    .optional(),
  url: z.string().optional(),
  labels: z.array(z.string()).optional(),
  changes: ChangeStats.optional(),
  occurredAt: z.string().datetime({ offset: true }),
  /**
   * When the conversation began, where the platform says (a Slack thread's first message, a
   * GitHub issue's creation): the ingress tells from it whether a conversation the participation
   * index does not list began after the index started keeping count, so the bot cannot be in it.
   */
  startedAt: z.string().datetime({ offset: true }).optional(),
  replyTo: ReplyTo,
  /**
   * A person's answer to an approval request the bot posted (a button, `/approve`, a choice):
   * `id` names the request when the platform carries it; without one, the oldest open request in
   * the conversation is meant.
   */
  approval: z.object({ id: z.string().max(64).optional(), approve: z.boolean() }).optional(),
});
export type NormalizedEvent = z.infer<typeof NormalizedEvent>;
export type NormalizedEventInput = z.input<typeof NormalizedEvent>;
