/** The files an extensionless import may mean, in the order Node and bundlers try them. */
export function candidatePaths(path: string): string[] {
  return [path, `${path}.js`, `${path}.mjs`, `${path}.cjs`, `${path}.ts`, `${path}.mts`, `${path}/index.js`, `${path}/index.ts`];
}
