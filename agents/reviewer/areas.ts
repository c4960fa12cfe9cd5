/**
 * Areas where a change deserves a careful look even when no rule fired, by path. Not findings:
 * touching authentication is often the point of a pull request, not a problem in it.
 */
const AREAS: readonly [area: string, pattern: RegExp][] = [
  ["authentication or permissions", /(^|\/)(auth|oauth|login|session|permission|acl|rbac)[^/]*(\/|\.|$)/i],
  ["secrets or cryptography", /(secret|credential|token|crypto|\.pem$|\.key$)/i],
  ["dependencies", /(^|\/)(package(-lock)?\.json|yarn\.lock|pnpm-lock\.yaml|go\.(mod|sum)|cargo\.(toml|lock)|requirements[^/]*\.txt|gemfile(\.lock)?)$/i],
  ["CI and release automation", /(^|\/)(\.github\/workflows\/|\.circleci\/|\.gitlab-ci|jenkinsfile)/i],
  ["infrastructure", /(^|\/)(dockerfile|docker-compose[^/]*|terraform\/|[^/]*\.tf$|k8s\/|helm\/|wrangler\.(toml|jsonc?))/i],
];

/** "area: `a`, `b`" for each area the files touch. */
export function sensitiveAreas(filenames: readonly string[]): string[] {
  return AREAS.flatMap(([area, pattern]) => {
    const hits = filenames.filter((name) => pattern.test(name)).map((name) => `\`${name}\``);
    return hits.length > 0 ? [`${area}: ${hits.slice(0, 5).join(", ")}${hits.length > 5 ? ", …" : ""}`] : [];
  });
}
