import { z } from "zod";

/** Where a GitHub reply goes: an issue or pull request, and the installation to act as. */
export const GitHubTarget = z.object({
  owner: z.string().min(1),
  repo: z.string().min(1),
  number: z.number().int().positive(),
  /** GitHub App installation that delivered the event; selects the installation token. */
  installationId: z.number().int().positive().optional(),
  /** The comment that triggered the turn, when it was a comment (for reactions). */
  commentId: z.number().int().positive().optional(),
  isPullRequest: z.boolean(),
});
export type GitHubTarget = z.infer<typeof GitHubTarget>;

/** True for an event about a pull request: opened, ready for review, or a comment on one. */
export function isPullRequest(event: { readonly channel: string; readonly replyTo: unknown }): boolean {
  return event.channel === "github" && GitHubTarget.safeParse(event.replyTo).data?.isPullRequest === true;
}
