import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { signedBody } from "../dev/github-events.ts";
import worker from "../src/worker.ts";
import { TEST_APP, TEST_GITHUB_WEBHOOK_SECRET } from "./env.ts";
import { githubExample, inRepository, newDelivery } from "./support/github.ts";

/** The same Worker set up as a GitHub App (no GITHUB_TOKEN), the way an App install runs it. */
const appEnv = { ...env, GITHUB_TOKEN: undefined, BOT_NAME: TEST_APP.slug, GITHUB_APP_ID: String(TEST_APP.id), GITHUB_PRIVATE_KEY: inject("githubAppKeyPkcs8") } as unknown as Env;

async function deliver(event: string, payload: unknown): Promise<Response> {
  const { body, headers } = await signedBody(event, JSON.stringify(payload), TEST_GITHUB_WEBHOOK_SECRET, newDelivery());
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request("https://switchboard.test/webhooks/github", { method: "POST", headers, body }), appEnv, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const uniqueInstallation = () => 70_000_000 + Math.floor(Math.random() * 9_000_000);

async function openedIssueFrom(installationId: number) {
  const repo = `installs-${crypto.randomUUID().slice(0, 8)}`;
  const payload = inRepository(await githubExample("issues", "opened"), "acme", repo);
  Object.assign(payload, { installation: { id: installationId, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" } });
  Object.assign(payload.issue as object, { title: "Crash on save", body: "TypeError at settings.js:42", labels: [] });
  return payload;
}

describe("GitHub App installations", () => {
  it("installation.deleted removes the installation; later deliveries for it are ignored with the reason", async () => {
    const id = uniqueInstallation();
    const created = await githubExample("installation", "created");
    Object.assign(created.installation as object, { id });
    const recorded = await deliver("installation", created);
    expect(await recorded.json()).toMatchObject({ status: "recorded", installation: String(id), state: "active" });
    expect(await env.INSTALLATIONS.getByName(`github:${id}`).summary()).toMatchObject({ status: "active", details: { name: expect.any(String), repositories: expect.any(Array) } });

    const deleted = await githubExample("installation", "deleted");
    Object.assign(deleted.installation as object, { id });
    expect(await (await deliver("installation", deleted)).json()).toMatchObject({ status: "recorded", state: "removed" });

    const late = await deliver("issues", await openedIssueFrom(id));
    expect(late.status).toBe(202);
    expect(await late.json()).toMatchObject({ status: "ignored", reason: expect.stringContaining("installation.deleted") });
  });

  it("deliveries of other installations, known or not, are still answered", async () => {
    const other = await deliver("issues", await openedIssueFrom(uniqueInstallation()));
    expect(other.status).toBe(200);
    expect(await other.json()).toMatchObject({ status: "accepted" });
  });

  it("installation_repositories changes are recorded on the installation", async () => {
    const id = uniqueInstallation();
    const added = await githubExample("installation_repositories", "added");
    Object.assign(added.installation as object, { id });
    expect(await (await deliver("installation_repositories", added)).json()).toMatchObject({ status: "recorded", state: "active" });
    const summary = await env.INSTALLATIONS.getByName(`github:${id}`).summary();
    expect(summary?.details.repositoriesAdded).toEqual((added.repositories_added as { full_name: string }[]).map((r) => r.full_name));
  });

  it("the install link sends the admin to the App's install page on GitHub", async () => {
    const ctx = createExecutionContext();
    const response = await worker.fetch(new Request("https://switchboard.test/oauth/github/install", { redirect: "manual" }), { ...appEnv, GITHUB_API_URL: "https://api.github.com" } as Env, ctx);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`https://github.com/apps/${TEST_APP.slug}/installations/new`);
  });
});
