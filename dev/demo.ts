// Sends a realistic GitHub event to a running Switchboard and prints the bot's answer as the
// emulator recorded it. Used by `npm run dev` (once at start) and `npm run dev:send`.
import { githubExample } from "./github-examples.ts";
import { recordDelivery } from "./deliveries.ts";
import { inRepository, signedDelivery } from "./github-events.ts";

export const DEMO_ISSUE = {
  title: "Editor freezes and crashes when opening a large JSON file",
  body: [
    "### Steps to reproduce",
    "1. Open a 40 MB JSON file",
    "2. Scroll to the end",
    "",
    "### Expected behavior",
    "The file opens and scrolls smoothly.",
    "",
    "### Actual behavior",
    "The window freezes for ~20 s, then the renderer crashes:",
    "```",
    "RangeError: Maximum call stack size exceeded",
    "    at tokenize (tokenizer.js:118:9)",
    "```",
  ].join("\n"),
};

export interface DemoResult {
  readonly status: number;
  readonly response: unknown;
  readonly comment?: string;
  readonly labels?: string[];
}

export async function sendDemoIssue(workerUrl: string, emulatorUrl: string, secret: string, issue = DEMO_ISSUE): Promise<DemoResult> {
  const repo = `demo-${Date.now().toString(36)}`;
  const payload = inRepository(githubExample("issues", "opened"), "octo-org", repo);
  Object.assign(payload.issue as object, { ...issue, labels: [] });
  const delivery = await signedDelivery("issues", payload, secret);
  const response = await fetch(`${workerUrl}/webhooks/github`, { method: "POST", headers: delivery.headers, body: delivery.body });
  await recordDelivery(emulatorUrl, { platform: "github", path: "/webhooks/github", headers: delivery.headers, body: delivery.body, status: response.status });
  const result: DemoResult = { status: response.status, response: await response.json() };
  if (response.status !== 200) return result;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const calls = (await (await fetch(`${emulatorUrl}/_emulator/calls?platform=github`)).json()) as {
      method: string;
      path: string;
      status: number;
      body: { body?: string; labels?: string[] };
    }[];
    const mine = calls.filter((call) => call.path.includes(`/octo-org/${repo}/`) && call.status < 300);
    const comment = mine.find((call) => call.method === "POST" && call.path.endsWith("/comments"));
    if (comment) {
      const labels = mine.find((call) => call.method === "POST" && call.path.endsWith("/labels"))?.body.labels ?? [];
      return { ...result, comment: comment.body.body ?? "", labels };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return result;
}
