// `switchboard doctor`: what is misconfigured, and where. Variables are checked with the Worker's
// own schemas (src/config.ts and each channel's config.ts); then each enabled channel's
// credentials are shown to its platform's identity endpoint. Problems name variables, never values.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { unstable_readConfig } from "wrangler";
import { channels } from "../../channels/index.ts";
import type { Channel } from "../../src/channel.ts";
import { CoreConfig, describeIssues } from "../../src/config.ts";
import { OperatorConfig } from "../../src/operator.ts";
import { identityChecks, type Identity } from "../doctor/identity.ts";
import { installationFindings } from "../doctor/installations.ts";
import { channelSetup, formatSetup } from "../doctor/setup.ts";
import { readSlackManifest } from "../doctor/slack-manifest.ts";
import { table, withProgress } from "../output.ts";
import { PROJECT_ROOT, readVariables, type VariableOptions } from "../project.ts";

export interface DoctorOptions extends VariableOptions {
  readonly remote?: boolean;
  readonly workerUrl?: string;
}

interface Finding {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly problems: readonly string[];
}

/** Runs every check; resolves with the exit code (0: nothing to fix). */
export async function doctor(options: DoctorOptions, root = PROJECT_ROOT): Promise<number> {
  const findings = options.remote ? await remoteFindings(options, root) : await localFindings(options, root);
  const problems = findings.flatMap((finding) => finding.problems);
  console.log(table(["check", "result", "detail"], findings.map((finding) => [finding.check, finding.ok ? "ok" : "PROBLEM", finding.detail])));
  if (problems.length > 0) console.log(`\n${problems.length} problem(s):\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
  else console.log("\nNo problems found.");
  printSetup(findings, options.workerUrl, root);
  return problems.length > 0 ? 1 : 0;
}

/** A configuration file (or `npm run dev`'s): every value is there to check. */
async function localFindings(options: DoctorOptions, root: string): Promise<Finding[]> {
  const variables = readVariables(options, root);
  console.error(`Checking the variables in ${variables.source}, with wrangler.toml's [vars] underneath`);
  const env = { ...workerBindings(root), ...variables.values };
  const findings: Finding[] = [coreFinding(env)];
  const slackScopes = readSlackManifest(root).scopes;
  for (const channel of channels) {
    const parsed = channelFinding(channel, env);
    findings.push(parsed.finding);
    if (parsed.config === undefined) continue;
    const identity = identityChecks[channel.name];
    if (!identity) continue;
    const label = `${channel.name}: ${identity.call}`;
    const result = await withProgress<Identity>(
      label,
      () => identity.check(parsed.config as never, { root, slackScopes, ...(options.workerUrl ? { workerUrl: options.workerUrl } : {}) }).catch((error: unknown) => ({
        detail: error instanceof Error ? error.message : String(error),
        problems: [`${channel.name}: ${error instanceof Error ? error.message : String(error)} (check ${channel.enabledBy.split("_")[0]}_API_URL and the network)`],
      })),
      (result) => ({ ok: result.problems.length === 0, text: result.detail }),
    );
    findings.push({ check: `${channel.name} identity`, ok: result.problems.length === 0, detail: result.detail, problems: result.problems });
  }
  if (channels.every((channel) => !env[channel.enabledBy])) {
    const variables = channels.map((channel) => channel.enabledBy).join(", ");
    findings.push({ check: "channels", ok: false, detail: "none enabled", problems: [`no channel is enabled: set one of ${variables} (npm run dev's own configuration: --dev)`] });
  }
  // A Worker running here (npm run dev's) is asked too: its installations and their tokens.
  if (options.workerUrl && isLoopback(options.workerUrl)) findings.push(...(await workerFindings(options.workerUrl)));
  return findings;
}

function isLoopback(url: string): boolean {
  return ["localhost", "127.0.0.1", "[::1]"].includes(new URL(url).hostname);
}

/** The settings every channel shares (BOT_NAME, MODEL…) and the operator endpoint's token. */
function coreFinding(env: Record<string, unknown>): Finding {
  const core = CoreConfig.safeParse(env);
  const operator = OperatorConfig.safeParse(env);
  const problems = [...(core.success ? [] : describeIssues(core.error)), ...(operator.success ? [] : describeIssues(operator.error))];
  const model = typeof env.MODEL === "string" && env.MODEL ? env.MODEL : "embedded";
  const detail = !core.success
    ? "invalid: the Worker answers every request 503"
    : !operator.success
      ? "the operator endpoint answers 503"
      : `bot @${String(env.BOT_NAME)}, model ${model}, operator endpoint ${env.ADMIN_TOKEN ? "on" : "off (no ADMIN_TOKEN)"}`;
  return { check: "core settings", ok: problems.length === 0, detail, problems };
}

/**
 * One channel's variables through its own schema, as loadConfig does in the Worker: disabled
 * without its `enabledBy` variable, otherwise its config or the issues naming each variable.
 */
function channelFinding(channel: Channel<unknown>, env: Record<string, unknown>): { finding: Finding; config?: unknown } {
  const check = `${channel.name} settings`;
  if (!env[channel.enabledBy]) return { finding: { check, ok: true, detail: `disabled (${channel.enabledBy} not set)`, problems: [] } };
  try {
    const result = channel.config.safeParse(env);
    if (result.success) return { finding: { check, ok: true, detail: "enabled, valid", problems: [] }, config: result.data };
    return { finding: { check, ok: false, detail: "enabled, invalid: the Worker disables it", problems: describeIssues(result.error) } };
  } catch (error) {
    const name = error instanceof Error ? error.name : typeof error;
    return { finding: { check, ok: false, detail: "could not be read", problems: [`${channel.enabledBy} and the ${channel.name} settings beside it: could not be read (${name})`] } };
  }
}

/**
 * What the Worker gets besides secrets: wrangler.toml's [vars], and its Durable Object bindings
 * (present in the Worker's env; schemas that need them only check that they are there).
 */
function workerBindings(root: string): Record<string, unknown> {
  const config = unstable_readConfig({ config: join(root, "wrangler.toml") });
  const objects = Object.fromEntries(
    config.durable_objects.bindings.map((binding: { name: string }) => [binding.name, { getByName: () => { throw new Error("switchboard doctor has no Durable Objects"); } }]),
  );
  return { ...objects, ...(config.vars as Record<string, unknown>) };
}

/**
 * The deployed Worker: the names of its secrets (values cannot be read back) through the same
 * schemas for what is missing, then its own /health for what it found wrong with the values.
 */
async function remoteFindings(options: DoctorOptions, root: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  const secrets = await withProgress("wrangler secret list", async () => listSecrets(root), (result) =>
    "names" in result ? { ok: true, text: `${result.names.length} secret(s)` } : { ok: false, text: result.error },
  );
  const vars = workerBindings(root);
  if ("error" in secrets) findings.push({ check: "secrets", ok: false, detail: "could not list them", problems: [`wrangler secret list failed: ${secrets.error}`] });
  else {
    const known = new Set([...Object.keys(vars), ...secrets.names]);
    const env = { ...vars, ...Object.fromEntries(secrets.names.map((name) => [name, "(set)"])) };
    findings.push({ check: "secrets", ok: true, detail: secrets.names.join(", ") || "none", problems: [] });
    for (const channel of channels) {
      if (!known.has(channel.enabledBy)) {
        findings.push({ check: `${channel.name} secrets`, ok: true, detail: `disabled (${channel.enabledBy} not set)`, problems: [] });
        continue;
      }
      // Values are unknown here: only an issue about a variable that is not set at all is real.
      const result = channel.config.safeParse(env);
      const absent = result.success ? [] : describeIssues(result.error).filter((issue) => !known.has(issue.split(":")[0]!));
      findings.push({ check: `${channel.name} secrets`, ok: absent.length === 0, detail: absent.length ? "some are not set" : "all set", problems: absent });
    }
  }
  if (!options.workerUrl) {
    findings.push({ check: "/health", ok: false, detail: "no --worker-url", problems: ["--remote needs --worker-url https://<worker> to check its /health"] });
    return findings;
  }
  findings.push(...(await workerFindings(options.workerUrl)));
  return findings;
}

/** The Worker's own /health: what it found wrong with its settings, then each channel's installations. */
async function workerFindings(workerUrl: string): Promise<Finding[]> {
  const health = await withProgress(`GET ${workerUrl}/health`, () => healthFinding(workerUrl), ({ finding }) => ({ ok: finding.ok, text: finding.detail }));
  return [health.finding, ...installationFindings(health.channels, workerUrl)];
}

function listSecrets(root: string): { names: string[] } | { error: string } {
  const wrangler = spawnSync(process.execPath, [join(root, "node_modules/wrangler/bin/wrangler.js"), "secret", "list", "--format", "json"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 60_000,
  });
  if (wrangler.status === 0) {
    try {
      return { names: (JSON.parse(wrangler.stdout) as { name: string }[]).map((secret) => secret.name).sort() };
    } catch {
      return { error: "its output was not the JSON list expected" };
    }
  }
  // wrangler's own first error line (it names what to do: log in, set CLOUDFLARE_API_TOKEN…).
  const message = `${wrangler.stderr}\n${wrangler.stdout}`.replace(/\x1b\[[0-9;]*m/g, "").split("\n").find((line) => /ERROR|error/.test(line));
  return { error: (message ?? `exit ${wrangler.status ?? "timeout"}`).replace(/^.*?\[ERROR\]\s*/, "").trim().slice(0, 300) };
}

interface HealthChannels {
  readonly channels: Parameters<typeof installationFindings>[0];
}

async function healthFinding(workerUrl: string): Promise<{ finding: Finding } & HealthChannels> {
  let response: Response;
  try {
    response = await fetch(`${workerUrl}/health`, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const reason = cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : String(cause);
    return { finding: { check: "/health", ok: false, detail: "unreachable", problems: [`${workerUrl}/health: could not reach it (${reason})`] }, channels: {} };
  }
  const body = (await response.json().catch(() => null)) as
    | { enabled?: string[]; bot?: string; model?: string; problems?: string[]; channels?: Record<string, { enabled: boolean; problems: string[] } & HealthChannels["channels"][string]> }
    | null;
  if (!response.ok || !body) {
    const problems = (body?.problems ?? [`${workerUrl}/health answered ${response.status}`]).map((problem) => `the Worker: ${problem}`);
    return { finding: { check: "/health", ok: false, detail: `answered ${response.status}`, problems }, channels: {} };
  }
  // A channel is "not set" when its enabling variable is absent: that is a choice, not a problem.
  const problems = Object.entries(body.channels ?? {}).flatMap(([name, status]) =>
    status.enabled || status.problems.every((problem) => problem.endsWith(": not set")) ? [] : status.problems.map((problem) => `the Worker's ${name} channel: ${problem}`),
  );
  const detail = `bot @${body.bot}, model ${body.model}, enabled: ${(body.enabled ?? []).join(", ") || "none"}`;
  return { finding: { check: "/health", ok: problems.length === 0, detail, problems }, channels: body.channels ?? {} };
}

/** Each channel's platform-side settings for this Worker; placeholders when no URL was given. */
function printSetup(findings: readonly Finding[], workerUrl: string | undefined, root: string): void {
  const enabled = channels.filter((channel) => findings.some((finding) => finding.check.startsWith(`${channel.name} `) && !finding.detail.startsWith("disabled")));
  if (enabled.length === 0) return;
  const worker = workerUrl ?? "https://YOUR-WORKER.workers.dev";
  console.log(`\nOn each platform${workerUrl ? "" : " (pass --worker-url for your Worker's URL)"}:\n`);
  console.log(enabled.map((channel) => formatSetup(channel.name, channelSetup(root, channel, worker), worker)).join("\n\n"));
}
