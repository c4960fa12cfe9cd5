// GitHub under the channel contract: GitHub's documented issues / issue_comment payloads,
// HMAC-SHA256 signatures, replies as issue comments.
import { signedBody } from "../../dev/github-events.ts";
import { TEST_BOT_NAME, TEST_GITHUB_WEBHOOK_SECRET } from "../env.ts";
import { emulatorUrl, recordedCalls } from "../support/emulator.ts";
import { CLEAR_BUG, githubExample, inRepository, newDelivery, uniqueRepo } from "../support/github.ts";
import { deliver, ingressAck, type ChannelContract, type Place, type Signing } from "./contract.ts";

interface GitHubPlace extends Place {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
  readonly event: "issues" | "issue_comment";
  readonly payload: Record<string, unknown>;
  /** X-GitHub-Delivery: GitHub keeps it when it redelivers. */
  readonly delivery: string;
}

/** Not 1, so the number in the key is the issue's own and not a default. */
const issueNumber = () => 2 + Math.floor(Math.random() * 9_000);

function place(owner: string, repo: string, number: number, event: GitHubPlace["event"], payload: Record<string, unknown>): GitHubPlace {
  return { key: `github:${owner}/${repo}#${number}`, where: `issue ${owner}/${repo}#${number}`, owner, repo, number, event, payload, delivery: newDelivery() };
}

async function issueIn(owner: string, repo: string, number: number, event: string, action: string) {
  const payload = inRepository(await githubExample(event, action), owner, repo);
  Object.assign(payload.issue as object, {
    number,
    html_url: `https://github.com/${owner}/${repo}/issues/${number}`,
    pull_request: undefined,
    labels: [],
  });
  return payload;
}

async function signed(at: GitHubPlace, body: string, signing: Signing, event: string = at.event, delivery = at.delivery): Promise<Request> {
  if (signing === "stale") throw new Error("GitHub signs no timestamp; nothing can be stale");
  const secret = signing === "forged" ? "not-the-webhook-secret" : TEST_GITHUB_WEBHOOK_SECRET;
  const { headers } = await signedBody(event, body, secret, delivery);
  return new Request("https://switchboard.test/webhooks/github", { method: "POST", headers, body });
}

export const githubContract: ChannelContract<GitHubPlace> = {
  channel: "github",
  places: {
    "an opened issue": async () => {
      const { owner, repo } = uniqueRepo("contract");
      const number = issueNumber();
      const payload = await issueIn(owner, repo, number, "issues", "opened");
      Object.assign(payload.issue as object, { title: CLEAR_BUG.title, body: CLEAR_BUG.body });
      return place(owner, repo, number, "issues", payload);
    },
    "a comment that mentions the bot on an issue": async () => {
      const { owner, repo } = uniqueRepo("contract-comment");
      const number = issueNumber();
      const payload = await issueIn(owner, repo, number, "issue_comment", "created");
      Object.assign(payload.comment as object, { id: issueNumber(), body: `@${TEST_BOT_NAME} the app crashes on save with a TypeError, can you triage?` });
      return place(owner, repo, number, "issue_comment", payload);
    },
  },
  sign: (at, signing) => signed(at, JSON.stringify(at.payload), signing),
  // GitHub's signature covers the body only; a redelivery is recognised by its delivery id.
  signsTimestamp: false,
  ack: ingressAck,

  async postedReplies(at) {
    const state = (await (await fetch(`${emulatorUrl}/_emulator/state/github`)).json()) as {
      repos: { owner: string; name: string; issues: { number: number; comment_list: { body: string; user: { login: string } }[] }[] }[];
    };
    const repository = state.repos.find((candidate) => candidate.owner === at.owner && candidate.name === at.repo);
    return (repository?.issues ?? []).flatMap((issue) =>
      issue.comment_list
        .filter((comment) => comment.user.login === TEST_BOT_NAME)
        .map((comment) => ({ where: `issue ${at.owner}/${at.repo}#${issue.number}`, text: comment.body })),
    );
  },
  hold: (at) => ({ platform: "github", method: "POST", pathPattern: `^/repos/${at.owner}/${at.repo}/issues/${at.number}/comments$` }),
  replyCalls: async (at) =>
    (await recordedCalls("github", `/repos/${at.owner}/${at.repo}/issues/${at.number}/comments`)).filter((call) => call.method === "POST"),

  async ownMessage(at) {
    // What GitHub sends for the comment the bot posted as a GitHub App (issue_comment.created, the app's bot user as sender).
    const payload = await issueIn(at.owner, at.repo, at.number, "issue_comment", "created");
    Object.assign(payload.comment as object, { id: issueNumber(), body: "**Triage:** this looks like a bug report.\n\n<!-- switchboard:x -->" });
    Object.assign(payload.sender as object, { login: `${TEST_BOT_NAME}[bot]`, type: "Bot" });
    return { via: "webhook", response: await deliver(await signed(at, JSON.stringify(payload), "fresh", "issue_comment", newDelivery())) };
  },
};
