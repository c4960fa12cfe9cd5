import type { Node } from "acorn";

// The parser and the TypeScript stripper load on first use: a Worker that never meets a snippet
// does not carry them at startup (and vitest-pool-workers cannot send acorn with the main module).
const parser = () => import("acorn");
const typescript = () => import("sucrase");

/** A self-contained piece of code found in a report, ready for the sandbox. */
export interface Snippet {
  readonly code: string;
  /** The fence's language, or `javascript` for an unlabelled block that parses as JavaScript. */
  readonly language: "javascript" | "typescript";
}

const FENCE = /^(`{3,}|~{3,})[ \t]*([\w+-]*)[^\n]*\n([\s\S]*?)\n\1[ \t]*$/gm;
const JAVASCRIPT = new Set(["js", "javascript", "mjs", "cjs", "jsx", "node"]);
const TYPESCRIPT = new Set(["ts", "typescript", "mts", "cts", "tsx"]);

/**
 * The first runnable snippet in a Markdown report: a block fenced as JavaScript or TypeScript,
 * else an unlabelled block that parses as JavaScript and does something (a call or an
 * assignment). Stack traces, logs and shell commands in unlabelled blocks do not parse, so they
 * are never mistaken for one.
 */
export async function findSnippet(markdown: string): Promise<Snippet | null> {
  let unlabelled: Snippet | null = null;
  for (const match of markdown.replace(/\r\n/g, "\n").matchAll(FENCE)) {
    const language = (match[2] ?? "").toLowerCase();
    const code = match[3] ?? "";
    if (!code.trim()) continue;
    if (JAVASCRIPT.has(language)) return { code, language: "javascript" };
    if (TYPESCRIPT.has(language)) return { code, language: "typescript" };
    if (language === "" && unlabelled === null && (await looksRunnable(code))) unlabelled = { code, language: "javascript" };
  }
  return unlabelled;
}

async function looksRunnable(code: string): Promise<boolean> {
  const ast = await tryParse(code);
  if (!ast) return false;
  let acts = false;
  visit(ast, (node) => {
    if (node.type === "CallExpression" || node.type === "AssignmentExpression" || node.type === "NewExpression") acts = true;
  });
  return acts;
}

/**
 * The files a snippet (or a file it imports) names by a relative path, as paths from the
 * repository's root without `./` (`./src/dates` → `src/dates`): `import`, `export … from`,
 * `require` and `import()` with a literal name. `from` is the importing file's own path.
 */
export async function relativeImports(code: string, from = ""): Promise<string[]> {
  const ast = await tryParse(code);
  if (!ast) return [];
  const found = new Set<string>();
  const add = (specifier: unknown) => {
    if (typeof specifier !== "string" || !/^\.{0,2}\//.test(specifier)) return;
    const parts = from.split("/").slice(0, -1);
    for (const segment of specifier.split("/")) {
      if (segment === "" || segment === ".") continue;
      if (segment === "..") parts.pop();
      else parts.push(segment);
    }
    if (parts.length > 0) found.add(parts.join("/"));
  };
  visit(ast, (node) => {
    if (node.type === "ImportDeclaration" || node.type === "ExportNamedDeclaration" || node.type === "ExportAllDeclaration" || node.type === "ImportExpression") {
      add((node.source as { value?: unknown } | null)?.value);
    }
    if (node.type === "CallExpression") {
      const callee = node.callee as { type: string; name?: string };
      const first = (node.arguments as { type: string; value?: unknown }[])[0];
      if (callee.type === "Identifier" && callee.name === "require" && first?.type === "Literal") add(first.value);
    }
  });
  return [...found];
}

/** The repository files a snippet imports (TypeScript's types stripped first, so it parses). */
export async function snippetImports(snippet: Snippet): Promise<string[]> {
  if (snippet.language === "javascript") return relativeImports(snippet.code);
  try {
    const { transform } = await typescript();
    return await relativeImports(transform(snippet.code, { transforms: ["typescript"], disableESTransforms: true, keepUnusedImports: true }).code);
  } catch {
    return [];
  }
}

type AnyNode = Node & Record<string, unknown>;

async function tryParse(code: string): Promise<AnyNode | null> {
  const { parse } = await parser();
  try {
    return parse(code, { ecmaVersion: "latest", sourceType: "module", allowHashBang: true, allowAwaitOutsideFunction: true }) as unknown as AnyNode;
  } catch {
    return null;
  }
}

function visit(node: AnyNode, visitor: (node: AnyNode) => void): void {
  visitor(node);
  for (const [key, value] of Object.entries(node)) {
    if (key === "type") continue;
    if (Array.isArray(value)) {
      for (const child of value) if (child && typeof child === "object" && typeof child.type === "string") visit(child as AnyNode, visitor);
    } else if (value && typeof value === "object" && typeof (value as { type?: unknown }).type === "string") visit(value as AnyNode, visitor);
  }
}
