import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/rest";
import { githubClient } from "../../../channels/github/client.ts";
import type { GitHubConfig } from "../../../channels/github/config.ts";
import { githubOutbound, marker } from "../../../channels/github/outbound.ts";
import type { EffectContext } from "../../../src/channel.ts";
import { retryingFetch } from "../../../src/retry.ts";
import { mapLabelToRepositoryLabel } from "../classifier/index.ts";
import { keywords, type NewTicket, type Ticket, type Tracker } from "./tracker.ts";

/** GitHub allows five AND/OR/NOT operators in one search. */
const SEARCH_WORDS = 6;

interface IssueLike {
  number: number;
  title: string;
  body?: string | null;
  html_url: string;
  state: string;
  pull_request?: unknown;
  labels?: (string | { name?: string })[];
}

/**
 * A repository as a ticket tracker: the search API scoped with `repo:` (`is:issue`, keywords
 * joined by OR so one missing word does not hide a duplicate), issues created with a hidden
 * marker in the body, comments through the channel's own outbound (also marked).
 */
export function githubTracker(config: GitHubConfig, owner: string, repo: string, options: { installationId?: number; reportedAt?: string } = {}): Tracker {
  // A GitHub App acts through its installation on the repository; a report from chat does not
  // name one, so it is looked up once, with the App's own JWT.
  let installation: Promise<number | undefined> | undefined;
  const installationId = () => (installation ??= options.installationId !== undefined ? Promise.resolve(options.installationId) : installationOf(config, owner, repo));
  let client: Octokit | undefined;
  const ready = async () => (client ??= githubClient(config, await installationId()));
  const octokit = () => client!;
  const ticket = (issue: IssueLike): Ticket => ({
    id: `${owner}/${repo}#${issue.number}`,
    title: issue.title,
    body: issue.body ?? "",
    url: issue.html_url,
    state: issue.state,
    open: issue.state === "open",
    conversationKey: `github:${owner}/${repo}#${issue.number}`,
  });

  /** The issue an earlier attempt created under this key: it carries the key's marker in its body. */
  async function findCreated(key: string): Promise<IssueLike | undefined> {
    await ready();
    const since = options.reportedAt;
    for await (const page of octokit().paginate.iterator(octokit().rest.issues.listForRepo, {
      owner,
      repo,
      state: "all",
      sort: "created",
      direction: "desc",
      per_page: 100,
      ...(since ? { since } : {}),
    })) {
      const found = page.data.find((issue) => !issue.pull_request && issue.body?.includes(marker(key)));
      if (found) return found;
    }
    return undefined;
  }

  return {
    name: `github:${owner}/${repo}`,

    async search(report) {
      await ready();
      const words = keywords(`${report.title}\n${report.body}`, SEARCH_WORDS);
      if (words.length === 0) return [];
      const { data } = await octokit().rest.search.issuesAndPullRequests({ q: `repo:${owner}/${repo} is:issue ${words.join(" OR ")}`, per_page: 20 });
      return data.items.filter((item) => !item.pull_request).map(ticket);
    },

    async create(input: NewTicket, effect: EffectContext) {
      const existing = effect.replay ? await findCreated(effect.idempotencyKey) : undefined;
      if (existing) return { ...ticket(existing), labels: labelsOf(existing) };
      await ready();
      const available = await octokit().paginate(octokit().rest.issues.listLabelsForRepo, { owner, repo, per_page: 100 });
      const label = input.kind ? mapLabelToRepositoryLabel(input.kind, available.map((l) => l.name)) : null;
      const { data } = await octokit().rest.issues.create({
        owner,
        repo,
        title: input.title,
        body: `${input.body}\n\n${marker(effect.idempotencyKey)}`,
        ...(label ? { labels: [label] } : {}),
      });
      return { ...ticket(data), labels: labelsOf(data) };
    },

    async comment(ticketId, markdown, effect) {
      const number = Number(/^(?:[\w.-]+\/[\w.-]+)?#(\d+)$/.exec(ticketId)?.[1]);
      if (!Number.isInteger(number) || (ticketId.includes("/") && !ticketId.toLowerCase().startsWith(`${owner}/${repo}#`.toLowerCase()))) {
        throw new Error(`${ticketId} is not an issue of ${owner}/${repo}`);
      }
      await ready();
      const { data } = await octokit().rest.issues.get({ owner, repo, issue_number: number });
      if (data.pull_request) throw new Error(`${ticketId} is a pull request, not an issue`);
      const id = await installationId();
      const target = { owner, repo, number, isPullRequest: false, ...(id !== undefined ? { installationId: id } : {}) };
      const posted = await githubOutbound(target, config).reply(markdown, effect);
      return { ticket: ticket(data), ...(posted.url ? { url: posted.url } : {}) };
    },
  };
}

/** The App's installation on the repository (`GET /repos/{o}/{r}/installation`, App JWT); none with a token. */
async function installationOf(config: GitHubConfig, owner: string, repo: string): Promise<number | undefined> {
  const auth = config.auth;
  if (auth.type !== "app") return undefined;
  const app = new Octokit({
    baseUrl: config.apiUrl,
    userAgent: "switchboard",
    request: { fetch: retryingFetch() },
    authStrategy: createAppAuth,
    auth: { appId: auth.appId, privateKey: auth.privateKey },
    log: { debug() {}, info() {}, warn: console.warn, error: console.error },
  });
  const { data } = await app.rest.apps.getRepoInstallation({ owner, repo });
  return data.id;
}

function labelsOf(issue: { labels?: (string | { name?: string })[] }): string[] {
  return (issue.labels ?? []).map((label) => (typeof label === "string" ? label : (label.name ?? ""))).filter(Boolean);
}
