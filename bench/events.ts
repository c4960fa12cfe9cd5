// Signed webhook deliveries for the benchmark, prepared ahead so signing costs the load
// generator nothing while it runs.
import { signedDelivery } from "../dev/github-events.ts";
import type { PreparedRequest } from "./load.ts";

/** The fields of GitHub's issues.opened payload that Switchboard reads: ~600 bytes. */
function issueOpened(conversation: number, sequence: number) {
  return {
    action: "opened",
    issue: {
      number: 1 + (conversation % 100_000),
      title: "App crashes with TypeError when saving settings",
      body: "Steps to reproduce:\n1. Open settings\n2. Click save\n\nTypeError: Cannot read properties of undefined (reading 'id')",
      html_url: `https://github.com/bench/r${Math.floor(conversation / 100_000)}/issues/${conversation}`,
      created_at: "2026-11-22T10:00:00Z",
      labels: [],
    },
    repository: { name: `r${Math.floor(conversation / 100_000)}`, full_name: `bench/r${Math.floor(conversation / 100_000)}`, owner: { login: "bench" } },
    sender: { id: 1000 + sequence, login: "octocat", type: "User" },
  };
}

export async function prepareIssueEvents(count: number, conversations: number, secret: string, offset = 0): Promise<PreparedRequest[]> {
  const prepared: PreparedRequest[] = [];
  for (let i = 0; i < count; i++) {
    const delivery = await signedDelivery("issues", issueOpened((offset + i) % conversations, offset + i), secret);
    prepared.push({ path: "/webhooks/github", headers: delivery.headers, body: delivery.body });
  }
  return prepared;
}

export function ceilingOf(requests: PreparedRequest[]): PreparedRequest[] {
  return requests.map((r) => ({ ...r, path: "/bench/ceiling" }));
}
