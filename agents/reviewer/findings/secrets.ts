import { lintSource } from "@secretlint/core";
import { creator as recommended } from "@secretlint/secretlint-rule-preset-recommend";
import { addedLines, type AddedLine } from "./patch.ts";
import type { ChangedFile, FindingRule } from "./types.ts";

/**
 * secretlint's recommended preset: the maintained rule set (AWS, GCP, GitHub, Slack, npm, OpenAI,
 * Anthropic, Stripe, private keys, database URLs with passwords, …), each with its own allow-list
 * of documented example keys. AWS access key ids are opt-in there; a reviewer wants them.
 */
const CONFIG: Parameters<typeof lintSource>[0]["options"]["config"] = {
  rules: [
    {
      id: "@secretlint/secretlint-rule-preset-recommend",
      rule: recommended,
      rules: [{ id: "@secretlint/secretlint-rule-aws", options: { enableIDScanRule: true } }],
    },
  ],
};

export interface SecretHit {
  readonly filename: string;
  readonly line: number;
  /** What kind of secret, e.g. "AWS Secret Access Key"; never the value. */
  readonly kind: string;
}

/**
 * The secrets the lines a file adds contain. Only added lines are read: a secret the pull
 * request deletes, or one already there, is not this change's to answer for.
 */
export async function secretsAdded(file: ChangedFile): Promise<SecretHit[]> {
  if (!file.patch) return [];
  const lines = addedLines(file.patch);
  if (lines.length === 0) return [];
  const result = await lintSource({
    source: { filePath: file.filename, content: lines.map((added) => added.text).join("\n"), contentType: "text", ext: extension(file.filename) },
    // Masked: the message must never carry the secret into a comment or a log.
    options: { config: CONFIG, maskSecrets: true },
  });
  return result.messages.map((message) => ({
    filename: file.filename,
    line: lineOf(lines, message.loc.start.line),
    kind: kindOf(message.message, message.messageId),
  }));
}

export const secretsRule: FindingRule = {
  id: "secret",
  title: "Possible secret added",
  async check({ files }) {
    const hits = (await Promise.all(files.map(secretsAdded))).flat();
    if (hits.length === 0) return null;
    return {
      rule: this.id,
      title: this.title,
      detail:
        `${describeHits(hits)}. If it is real, revoke and rotate it now (it is already in this branch's history, ` +
        "so removing the line is not enough), and load it from a secret store or environment variable instead.",
    };
  },
};

/** "`a.env` line 2: AWS Access Key ID; line 3: AWS Secret Access Key; `b.ts` line 5: …", the first 10 hits. */
function describeHits(hits: readonly SecretHit[]): string {
  const shown = new Map<string, Map<number, string[]>>();
  for (const hit of hits.slice(0, 10)) {
    const lines = shown.get(hit.filename) ?? new Map<number, string[]>();
    lines.set(hit.line, [...(lines.get(hit.line) ?? []), hit.kind]);
    shown.set(hit.filename, lines);
  }
  const parts = [...shown].map(
    ([filename, lines]) => `\`${filename}\` ${[...lines].map(([line, kinds]) => `line ${line}: ${kinds.join(", ")}`).join("; ")}`,
  );
  if (hits.length > 10) parts.push(`and ${hits.length - 10} more`);
  return parts.join("; ");
}

/** The new-file line number of the `index`-th (1-based) added line. */
function lineOf(lines: readonly AddedLine[], index: number): number {
  return lines[Math.min(Math.max(index, 1), lines.length) - 1]!.line;
}

/** "found AWS Secret Access Key: ****" → "AWS Secret Access Key" (masked parts dropped). */
function kindOf(message: string, messageId: string): string {
  const kind = message
    .replace(/^found\s+/i, "")
    .replace(/:\s*\*+.*$/s, "")
    .replace(/\(\*+\)/g, "")
    .trim();
  return kind || messageId;
}

function extension(filename: string): string {
  const name = filename.slice(filename.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot) : "";
}
