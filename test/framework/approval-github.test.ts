import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TEST_BOT_NAME } from "../env.ts";
import { conversation, settled, snapshot } from "../support/agents.ts";
import { emulatorUrl, injectFault, recordedCalls, waitFor } from "../support/emulator.ts";
import { githubExample, inRepository, issueAsDelivered, newDelivery, postGitHub, uniqueRepo } from "../support/github.ts";
import { hold } from "./deployer-agent.ts";
import type { ConversationAgent } from "./worker.ts";
import { parkedOn, expireUnanswered, deploysOf } from "./approvals.ts";

type Comment = { id: number; body: string; user: { login: string } };

async function comments(owner: string, repo: string): Promise<Comment[]> {
  const response = await fetch(`${emulatorUrl}/github/repos/${owner}/${repo}/issues/1/comments?per_page=100`, { headers: { authorization: "token ghp_test_token_switchboard" } });
  return (await response.json()) as Comment[];
}

/** Someone's role on the repository, set as its admins would. */
async function grant(owner: string, repo: string, user: string, role: string) {
  const response = await fetch(`${emulatorUrl}/_emulator/github/collaborators`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ owner, repo, user, role }) });
  expect(response.status).toBe(201);
}

const isRequest = (comment: Comment) => comment.body.includes("asks for approval") || comment.body.includes("asked for approval");

describe("approval gates on GitHub: a comment that asks, `/approve` or `/deny` from someone with write access", () => {
  let owner: string;
  let repo: string;
  let key: string;
  let service: string;

  /** A comment on issue #1 as GitHub delivers it; the delivery id is returned to redeliver it. */
  async function comment(body: string, login: string, delivery = newDelivery()) {
    const payload = inRepository(await githubExample("issue_comment", "created"), owner, repo);
    Object.assign(payload.comment as object, { body, id: Math.floor(Math.random() * 1e9) + 1 });
    Object.assign(payload.issue as object, { number: 1, ...(await issueAsDelivered(owner, repo, 1)) });
    Object.assign(payload.sender as object, { login, type: "User" });
    return { response: await postGitHub("issue_comment", payload, { delivery }), payload, delivery };
  }

  beforeEach(async () => {
    // Repositories named deploy-* are the deployer agent's (test/framework/worker.ts).
    ({ owner, repo } = uniqueRepo("deploy"));
    key = `github:${owner}/${repo}#1`;
    service = `svc-${crypto.randomUUID().slice(0, 6)}`;
    await grant(owner, repo, "ada", "write");
    await grant(owner, repo, "tess", "triage");
    expect((await comment(`@${TEST_BOT_NAME} deploy ${service}`, "ada")).response.status).toBe(200);
  });
  afterEach(() => {
    delete hold.until;
  });

  it("asks in a comment that says who may answer and how, with its hidden marker, and holds nothing while waiting", async () => {
    await parkedOn(key);
    const request = (await comments(owner, repo)).find(isRequest)!;
    expect(request.body).toMatch(new RegExp(`^\\*\\*deployer\\*\\* asks for approval to deploy \\*${service}\\* to production\\.\\n\\nSomeone with write access to this repository: reply \`/approve\` to let it, or \`/deny\`\\.`));
    expect(request.body).toMatch(/<!-- switchboard:[^\s]+ -->$/);
    const waiting = await runInDurableObject(await conversation(key), (instance: ConversationAgent, state) => ({
      fibers: state.storage.sql.exec("SELECT name FROM cf_agents_runs").toArray().length,
      schedules: instance.getSchedules().map((schedule) => schedule.callback),
    }));
    expect(waiting).toEqual({ fibers: 0, schedules: ["expireApproval"] });
  });

  it("approve → the tool runs once, the answer says so, and the request shows who approved", async () => {
    await parkedOn(key);
    expect((await comment("/approve", "ada")).response.status).toBe(200);
    const done = await settled(key);
    expect(done.last).toMatchObject({ status: "done", reply: `Deployed ${service}.` });
    expect(deploysOf(service)).toEqual([{ service, calls: 1, replays: 0 }]);
    const thread = await waitFor("the outcome on the request", async () => {
      const all = await comments(owner, repo);
      return all.find(isRequest)?.body.includes("✅ Approved by @ada") ? all : null;
    });
    const request = thread.find(isRequest)!;
    expect(request.body).not.toContain("/approve");
    expect(request.body).toMatch(/<!-- switchboard:[^\s]+ -->$/);
    expect(thread.filter((c) => c.body.startsWith(`Deployed ${service}.`))).toHaveLength(1);
  });

  it("deny, with the bot's @-mention and a reason → the tool does not run, and the answer says who denied it", async () => {
    await parkedOn(key);
    await comment(`@${TEST_BOT_NAME} /deny not on a Friday`, "ada");
    const done = await settled(key);
    expect(done.last?.reply).toBe("Not deployed: deploy did not run: denied by ada.");
    expect(deploysOf(service)).toEqual([]);
    await waitFor("the outcome on the request", async () => (await comments(owner, repo)).find(isRequest)?.body.includes("❌ Denied by @ada"));
  });

  it("someone with only triage access is told in a reply that names them, and nothing changes", async () => {
    await parkedOn(key);
    await comment("/approve", "tess");
    const refusal = await waitFor("the refusal", async () => (await comments(owner, repo)).find((c) => c.body.startsWith("@tess not allowed")));
    expect(refusal.body).toMatch(/^@tess not allowed: you may not approve or deny deploy here\./);
    expect((await snapshot(key)).parked).toBe(1);
    expect(deploysOf(service)).toEqual([]);
    expect((await comments(owner, repo)).find(isRequest)!.body).toContain("reply `/approve`");
  });

  it("a refusal that reached GitHub just before a crash is not posted again", async () => {
    await parkedOn(key);
    // The refusal is held on its way to GitHub; the object dies meanwhile, and the comment lands.
    const fault = await injectFault({ platform: "github", method: "POST", pathPattern: `/${repo}/issues/1/comments$`, kind: "timeout", delayMs: 1500, then: "proceed" });
    await comment("/approve", "tess");
    await waitFor("the role check", async () => (await recordedCalls("github", `/${repo}/collaborators/tess/permission`)).length > 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await abortAllDurableObjects();
    await fetch(`${emulatorUrl}/_emulator/faults/${fault}`, { method: "DELETE" });
    await waitFor("the refusal", async () => (await comments(owner, repo)).some((c) => c.body.startsWith("@tess not allowed")));
    await waitFor("the re-run of the answer", async () => (await recordedCalls("github", `/${repo}/collaborators/tess/permission`)).length > 1, 20_000);
    await waitFor("the answer's turn to end", async () => {
      const state = await snapshot(key);
      return state.pending === 0 && state.current === null;
    }, 20_000);
    expect((await comments(owner, repo)).filter((c) => c.body.startsWith("@tess not allowed"))).toHaveLength(1);
    expect((await snapshot(key)).parked).toBe(1);
  });

  it("a redelivered `/approve` and a second answer change nothing", async () => {
    await parkedOn(key);
    const first = await comment("/approve", "ada");
    const redelivered = await postGitHub("issue_comment", first.payload, { delivery: first.delivery });
    expect(await redelivered.json()).toMatchObject({ status: expect.stringMatching(/duplicate|ignored/) });
    await settled(key);
    const late = await comment("/deny", "ada");
    expect(await late.response.json()).toMatchObject({ status: "ignored", reason: expect.stringMatching(/no approval request is open/) });
    await settled(key);
    expect(deploysOf(service)).toEqual([{ service, calls: 1, replays: 0 }]);
    const thread = await comments(owner, repo);
    expect(thread.filter((c) => c.body.startsWith("Deployed"))).toHaveLength(1);
    expect(thread.find(isRequest)!.body).toContain("✅ Approved by @ada");
  });

  it("nobody answers: the request expires as denied and says so", async () => {
    await expireUnanswered(key);
    const done = await settled(key);
    expect(done.last?.reply).toBe("Not deployed: deploy did not run: nobody approved it before the request expired.");
    expect(deploysOf(service)).toEqual([]);
    await waitFor("the outcome on the request", async () => (await comments(owner, repo)).find(isRequest)?.body.includes("⌛ Expired"));
  });
});
