import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devVars } from "../../dev/defaults.ts";
import { devOptions, startEmulator, type RunningEmulator } from "../../dev/emulator/server.ts";
import { githubExample } from "../../dev/github-examples.ts";
import { inRepository, signedDelivery } from "../../dev/github-events.ts";
import { startWorker, type RunningWorker } from "../../dev/workerd.ts";

type Call = { method: string; path: string; status: number };

/**
 * The promise that matters most: an acknowledged event survives the process dying mid-turn.
 * wrangler dev (workerd) is SIGKILLed while the bot's comment is in flight, restarted on the
 * same storage, and must then finish the turn by itself with exactly one comment.
 */
describe("process-level crash: kill -9 wrangler dev mid-turn and restart on the same state", () => {
  let emulator: RunningEmulator;
  let persistTo: string;
  let worker: RunningWorker | undefined;

  beforeAll(async () => {
    emulator = await startEmulator(devOptions());
    persistTo = mkdtempSync(join(tmpdir(), "switchboard-kill-"));
  });
  afterAll(async () => {
    worker?.kill("SIGKILL");
    await emulator?.close();
    rmSync(persistTo, { recursive: true, force: true });
  });

  async function calls(repo: string): Promise<Call[]> {
    const all = (await (await fetch(`${emulator.url}/_emulator/calls?platform=github`)).json()) as Call[];
    return all.filter((call) => call.path.includes(`/${repo}/`));
  }

  async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${worker?.output().slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it("completes the turn after restart with exactly one comment reaching the GitHub API", async () => {
    const vars = devVars(emulator.url);
    worker = await startWorker({ vars, persistTo });
    const repo = `kill-${Date.now().toString(36)}`;
    // Hold the comment so the process is killed with it in flight; the held call then fails
    // without effect (the runtime that made it is gone).
    await fetch(`${emulator.url}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        platform: "github",
        method: "POST",
        pathPattern: `/${repo}/issues/1/comments`,
        kind: "timeout",
        delayMs: 4000,
        then: "gateway-timeout",
      }),
    });
    const payload = inRepository(githubExample("issues", "opened"), "octo-org", repo);
    Object.assign(payload.issue as object, {
      title: "Crash when saving: TypeError in save()",
      body: "Steps to reproduce:\n1. click save\n\nExpected: saved\nActual: TypeError: x is undefined\n\nVersion 1.2.3",
      labels: [],
    });
    const delivery = await signedDelivery("issues", payload, vars.GITHUB_WEBHOOK_SECRET!);
    const response = await fetch(`${worker.url}/webhooks/github`, { method: "POST", headers: delivery.headers, body: delivery.body });
    expect(response.status).toBe(200);

    // Labels applied means the turn reached its last step: the comment is now in flight.
    await until("labels to be applied", async () => (await calls(repo)).some((c) => c.method === "POST" && c.path.endsWith("/labels")));
    await new Promise((resolve) => setTimeout(resolve, 300));
    worker.kill("SIGKILL");
    await worker.exited;
    expect((await calls(repo)).filter((c) => c.method === "POST" && c.path.endsWith("/comments") && c.status === 201)).toHaveLength(0);

    worker = await startWorker({ vars, persistTo });
    // Nothing is sent to the restarted process: the persisted alarm wakes the conversation.
    const comments = await until("the comment after restart", async () => {
      const posted = (await calls(repo)).filter((c) => c.method === "POST" && c.path.endsWith("/comments") && c.status === 201);
      return posted.length > 0 ? posted : null;
    });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const final = await calls(repo);
    expect(final.filter((c) => c.method === "POST" && c.path.endsWith("/comments") && c.status === 201)).toHaveLength(1);
    expect(final.filter((c) => c.method === "POST" && c.path.endsWith("/labels") && c.status === 200)).toHaveLength(1);
    expect(comments).toHaveLength(1);
  });
});
