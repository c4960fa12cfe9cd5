import { z } from "zod";

/** Where a Linear reply goes: an agent session's activities, or a (threaded) comment on the issue. */
export const LinearTarget = z.object({
  issueId: z.string().min(1),
  /** The workspace: picks its installation's token when installs are set up. */
  organizationId: z.string().min(1).optional(),
  agentSessionId: z.string().optional(),
  parentCommentId: z.string().optional(),
});
export type LinearTarget = z.infer<typeof LinearTarget>;
