import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devVars } from "../../dev/defaults.ts";
import { devOptions, startEmulator, type RunningEmulator } from "../../dev/emulator/server.ts";
import { githubExample } from "../../dev/github-examples.ts";
import { inRepository, signedDelivery } from "../../dev/github-events.ts";
import { startWorker, type RunningWorker } from "../../dev/workerd.ts";
import { LOOPS_FOREVER, UNDEFINED_FIELD } from "../fixtures/snippet-reports.ts";

type Call = { method: string; path: string; status: number; body: { body?: string } };

/**
 * The sandbox in the runtime `npm run dev` uses: wrangler dev's workerd, which preempts nothing.
 * A snippet that loops forever must end as "could not run" while the Worker keeps answering, and a
 * failing snippet is reproduced: the "done" of the sandbox, checked where it matters.
 */
describe("wrangler dev: issues with snippets, one of which loops forever", () => {
  let emulator: RunningEmulator;
  let persistTo: string;
  let worker: RunningWorker;

  beforeAll(async () => {
    emulator = await startEmulator(devOptions());
    persistTo = mkdtempSync(join(tmpdir(), "switchboard-sandbox-"));
    worker = await startWorker({ vars: devVars(emulator.url), persistTo });
  });
  afterAll(async () => {
    worker?.kill("SIGKILL");
    await emulator?.close();
    rmSync(persistTo, { recursive: true, force: true });
  });

  async function open(repo: string, report: { title: string; body: string }): Promise<number> {
    const payload = inRepository(githubExample("issues", "opened"), "octo-org", repo);
    Object.assign(payload.issue as object, { ...report, labels: [] });
    const delivery = await signedDelivery("issues", payload, devVars(emulator.url).GITHUB_WEBHOOK_SECRET!);
    return (await fetch(`${worker.url}/webhooks/github`, { method: "POST", headers: delivery.headers, body: delivery.body })).status;
  }

  async function comment(repo: string): Promise<string> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const calls = (await (await fetch(`${emulator.url}/_emulator/calls?platform=github`)).json()) as Call[];
      const posted = calls.find((call) => call.method === "POST" && call.path.includes(`/octo-org/${repo}/issues/1/comments`) && call.status === 201);
      if (posted?.body.body) return posted.body.body;
      if (Date.now() > deadline) throw new Error(`no comment on ${repo}\n${worker.output().slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it("the looping snippet could not run, the Worker answered meanwhile, and a failing snippet after it is reproduced", async () => {
    const stamp = Date.now().toString(36);
    expect(await open(`loop-${stamp}`, LOOPS_FOREVER)).toBe(200);
    // While that turn runs its snippet, the Worker still answers: the guard ends the loop, so
    // workerd is never held for longer than the sandbox's budget.
    const healthTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      expect((await fetch(`${worker.url}/health`)).status).toBe(200);
      healthTimes.push(Date.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(Math.max(...healthTimes)).toBeLessThan(5_000);
    expect(await comment(`loop-${stamp}`)).toMatch(/\*\*Could not run\*\* the snippet in a sandbox: it ran (more than [\d,]+ loop iterations and calls|longer than 1000 ms)\./);

    expect(await open(`crash-${stamp}`, UNDEFINED_FIELD)).toBe(200);
    const reproduced = await comment(`crash-${stamp}`);
    expect(reproduced).toContain("**Reproduced** in a sandbox: the snippet throws");
    expect(reproduced).toContain("TypeError: Cannot read properties of undefined (reading 'city')");
    // No snippet's output or the report's text reached the Worker's log.
    expect(worker.output()).not.toContain("Ada, LONDON");
    expect(worker.output()).not.toContain("shippingLabel");
  });
});
