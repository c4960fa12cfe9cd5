/** Kubernetes' size buckets, by lines added plus deleted; widely recognised on GitHub. */
const SIZES: readonly [name: string, below: number][] = [
  ["XS", 10],
  ["S", 30],
  ["M", 100],
  ["L", 500],
  ["XL", 1000],
  ["XXL", Number.POSITIVE_INFINITY],
];

export function sizeOf(lines: number): string {
  return SIZES.find(([, below]) => lines < below)![0];
}

/**
 * The repository's own label for `size` (`size/L`, `Size: L`, `size-l`…), or `size/<size>`, which
 * GitHub creates when it is first applied.
 */
export function sizeLabel(size: string, repositoryLabels: readonly string[]): string {
  return repositoryLabels.find((label) => new RegExp(`^size[\\s/:_-]*${size}$`, "i").test(label)) ?? `size/${size}`;
}
