import type { PromptEvent, ToolOutcome } from "../../src/index.ts";

interface ChangedFile {
  readonly filename: string;
  readonly additions: number;
  readonly deletions: number;
}

/** Kubernetes' size buckets, by lines added plus deleted; widely recognised on GitHub. */
const SIZES: readonly [name: string, below: number][] = [
  ["XS", 10],
  ["S", 30],
  ["M", 100],
  ["L", 500],
  ["XL", 1000],
  ["XXL", Number.POSITIVE_INFINITY],
];

const RISKS: readonly [area: string, pattern: RegExp][] = [
  ["authentication or permissions", /(^|\/)(auth|oauth|login|session|permission|acl|rbac)[^/]*(\/|\.|$)/i],
  ["secrets or cryptography", /(secret|credential|token|crypto|\.pem$|\.key$)/i],
  ["dependencies", /(^|\/)(package(-lock)?\.json|yarn\.lock|pnpm-lock\.yaml|go\.(mod|sum)|cargo\.(toml|lock)|requirements[^/]*\.txt|gemfile(\.lock)?)$/i],
  ["CI and release automation", /(^|\/)(\.github\/workflows\/|\.circleci\/|\.gitlab-ci|jenkinsfile)/i],
  ["database migrations", /(^|\/)(migrations?|migrate)\//i],
  ["infrastructure", /(^|\/)(dockerfile|docker-compose[^/]*|terraform\/|[^/]*\.tf$|k8s\/|helm\/|wrangler\.(toml|jsonc?))/i],
];

export function sizeOf(lines: number): string {
  return SIZES.find(([, below]) => lines < below)![0];
}

export function pullRequestReview(
  event: PromptEvent,
  filesOutcome: ToolOutcome | undefined,
  labelsOutcome: ToolOutcome | undefined,
) {
  const files: ChangedFile[] =
    filesOutcome?.ok && Array.isArray(filesOutcome.value) ? (filesOutcome.value as unknown as ChangedFile[]) : [];
  const additions = event.changes?.additions ?? files.reduce((sum, file) => sum + file.additions, 0);
  const deletions = event.changes?.deletions ?? files.reduce((sum, file) => sum + file.deletions, 0);
  const changedFiles = event.changes?.changedFiles ?? files.length;
  const size = sizeOf(additions + deletions);

  const repoLabels = labelsOutcome?.ok && Array.isArray(labelsOutcome.value) ? labelsOutcome.value.map(String) : [];
  const sizeLabel =
    repoLabels.find((label) => new RegExp(`^size[\\s/:_-]*${size}$`, "i").test(label)) ?? `size/${size}`;
  const existing = new Set((event.labels ?? []).map((label) => label.toLowerCase()));
  const labels = existing.has(sizeLabel.toLowerCase()) ? [] : [sizeLabel];

  const risks = RISKS.flatMap(([area, pattern]) => {
    const hits = files.filter((file) => pattern.test(file.filename)).map((file) => `\`${file.filename}\``);
    return hits.length > 0 ? [`${area}: ${hits.slice(0, 5).join(", ")}${hits.length > 5 ? ", …" : ""}`] : [];
  });
  const largest = [...files].sort((a, b) => b.additions + b.deletions - (a.additions + a.deletions)).slice(0, 5);

  return {
    labels,
    comment(applied: readonly string[]): string {
      const lines = [
        `**Summary:** ${changedFiles} file(s) changed, +${additions} −${deletions} (size ${size}).`,
      ];
      if (largest.length > 0) {
        lines.push("", "Largest changes:", ...largest.map((f) => `- \`${f.filename}\` (+${f.additions} −${f.deletions})`));
      }
      if (risks.length > 0) lines.push("", "Worth a careful look:", ...risks.map((risk) => `- ${risk}`));
      else if (files.length > 0) lines.push("", "No risky areas (auth, secrets, dependencies, CI, migrations, infrastructure) touched.");
      if (applied.length > 0) lines.push("", `Labels applied: ${applied.map((label) => `\`${label}\``).join(", ")}`);
      return lines.join("\n");
    },
  };
}
