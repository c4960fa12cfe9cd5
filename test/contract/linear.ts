// Linear under the channel contract: webhooks typed with @linear/sdk's payload types, bare-hex
// HMAC-SHA256 over the body, freshness from the body's webhookTimestamp.
import { signLinear } from "../../dev/linear-events.ts";
import { TEST_LINEAR_WEBHOOK_SECRET } from "../env.ts";
import { emulatorUrl } from "../support/emulator.ts";
import {
  BOT,
  HUMAN,
  commentWebhook,
  issueWebhook,
  linearCalls,
  linearState,
  seedIssue,
  seedSession,
  seedTeam,
  sessionCreatedWebhook,
  type SeededIssue,
  type SeededTeam,
} from "../support/linear.ts";
import { CRASH_REPORT } from "../support/reports.ts";
import { deliver, ingressAck, type ChannelContract, type Place, type Signing } from "./contract.ts";

interface LinearPlace extends Place {
  readonly team: SeededTeam;
  readonly issue: SeededIssue;
  readonly payload: { webhookTimestamp: number };
  /** The Linear-Delivery header, which Linear keeps when it retries. */
  readonly delivery: string;
}

async function seeded() {
  const team = await seedTeam();
  return { team, issue: await seedIssue(team, CRASH_REPORT.title, CRASH_REPORT.body) };
}

function place(team: SeededTeam, issue: SeededIssue, where: string, payload: LinearPlace["payload"]): LinearPlace {
  return { key: `linear:${issue.id}`, where, team, issue, payload, delivery: crypto.randomUUID() };
}

/** A person's comment as it exists in the workspace (replies are threaded under it, so it must). */
async function seedComment(issue: SeededIssue, body: string): Promise<{ id: string }> {
  const response = await fetch(`${emulatorUrl}/_emulator/linear/comments`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ issueId: issue.id, body, userId: HUMAN.id }),
  });
  if (!response.ok) throw new Error(`seeding a comment failed: ${response.status} ${await response.text()}`);
  return response.json() as Promise<{ id: string }>;
}

async function signed(payload: LinearPlace["payload"], delivery: string, signing: Signing): Promise<Request> {
  // Linear stamps each send: a retry carries the time it was sent again.
  const sentAt = signing === "stale" ? Date.now() - 10 * 60_000 : signing === "redelivered" ? Date.now() : payload.webhookTimestamp;
  const body = JSON.stringify({ ...payload, webhookTimestamp: sentAt });
  const secret = signing === "forged" ? "lin_wh_not_the_webhook_secret" : TEST_LINEAR_WEBHOOK_SECRET;
  return new Request("https://switchboard.test/webhooks/linear", { method: "POST", headers: await signLinear(body, secret, delivery), body });
}

export const linearContract: ChannelContract<LinearPlace> = {
  channel: "linear",
  places: {
    "an issue assigned to the bot": async () => {
      const { team, issue } = await seeded();
      return place(team, issue, `issue ${issue.id}`, issueWebhook(issue, { action: "update", assigneeId: BOT.id, updatedFrom: { assigneeId: null } }));
    },
    "an agent session (the issue delegated to the bot)": async () => {
      const { team, issue } = await seeded();
      const session = await seedSession(issue);
      return place(team, issue, `session ${session.id}`, sessionCreatedWebhook(issue, session.id));
    },
    "a comment that mentions the bot": async () => {
      const { team, issue } = await seeded();
      const body = "@switchboard the app crashes when saving settings, can you triage this?";
      const comment = await seedComment(issue, body);
      const payload = commentWebhook(issue, body);
      Object.assign(payload.data, { id: comment.id });
      return place(team, issue, `thread ${comment.id} on issue ${issue.id}`, payload);
    },
  },
  sign: (at, signing) => signed(at.payload, at.delivery, signing),
  signsTimestamp: true,
  ack: ingressAck,

  async postedReplies(at) {
    const team = (await linearState()).teams.find((candidate) => candidate.id === at.team.id);
    const issues = (team?.issues ?? []) as {
      id: string;
      comments: { body: string; userId: string; parentId: string | null }[];
      sessions: { id: string; activities: { content: { type: string; body?: string }; userId: string }[] }[];
    }[];
    return issues.flatMap((issue) => [
      ...issue.comments
        .filter((comment) => comment.userId === BOT.id)
        .map((comment) => ({ where: comment.parentId ? `thread ${comment.parentId} on issue ${issue.id}` : `issue ${issue.id}`, text: comment.body })),
      // In a session the answer is its `response` activity; thoughts and actions are progress.
      ...issue.sessions.flatMap((session) =>
        session.activities
          .filter((activity) => activity.userId === BOT.id && activity.content.type === "response")
          .map((activity) => ({ where: `session ${session.id}`, text: activity.content.body ?? "" })),
      ),
    ]);
  },
  // GraphQL: one path, the operation after '#'. Only the first place's reply is a comment.
  hold: () => ({ platform: "linear", method: "POST", pathPattern: "#createComment$" }),
  replyCalls: (at) => linearCalls(at.issue.id, "createComment"),

  async ownMessage(at) {
    // What Linear sends for the comment the bot posted on the issue.
    const payload = commentWebhook(at.issue, "**Triage:** this looks like a bug report.\n\n<!-- switchboard:x -->", BOT);
    return { via: "webhook", response: await deliver(await signed(payload, crypto.randomUUID(), "fresh")) };
  },
};
