import { parse, type Node } from "acorn";
import { candidatePaths } from "./paths.ts";

/**
 * The source transform that makes sandboxed code stoppable where nothing preempts it. workerd
 * enforces no CPU or memory limit locally (a loop that never ends blocks every request of the
 * process, and a heap that grows without bound aborts it), so before code reaches a Dynamic
 * Worker isolate every loop body and every function entry calls the guard (`__sb.t()`: a step
 * count and a wall-clock deadline), the values that can grow memory go through it (`__sb.m(…)`:
 * call and `new` results, large array literals, string concatenation), regular expression
 * literals are checked for nested quantifiers (`__sb.re(…)`), and imports are resolved against
 * what the sandbox grants: a few Node built-ins and the files loaded into it. Line numbers stay
 * as written, so a stack trace points at the reporter's own lines.
 */

/** Node built-ins a snippet may import (nodejs_compat provides them; none reaches outside the isolate). */
export const GRANTED_BUILTINS = new Set(["assert", "assert/strict", "buffer", "events", "path", "querystring", "string_decoder", "url", "util"]);

/** The guard's own names: code that mentions them is refused, so it cannot reach or replace the guard. */
const RESERVED = /^__sb/;

export type Instrumented =
  | { readonly ok: true; readonly source: string; readonly imports: readonly string[] }
  | { readonly ok: false; readonly reason: string };

export interface InstrumentOptions {
  /** The module's own path in the sandbox (`snippet.js`, `src/dates.js`): relative imports resolve from it. */
  readonly path: string;
  /**
   * The files the sandbox holds, which relative imports may name (with or without extension): each
   * path (`src/dates.ts`) with the module name it is loaded under (`src/dates.ts.js`).
   */
  readonly files: ReadonlyMap<string, string>;
  /**
   * A `snippet` is a module whose statements run inside an exported `main()` (workerd refuses
   * timers, random values and I/O at a module's top level, where a snippet's code would otherwise
   * run); `module` is a file it imports; a `program` is a code tool's async arrow function.
   */
  readonly kind: "snippet" | "module" | "program";
}

interface Insertion {
  readonly at: number;
  readonly text: string;
  /** Which of two insertions at one place comes first: the wider wrap opens first and closes last. */
  readonly order: number;
  /** Set when the text replaces the source from `at` up to here (a specifier, a `require` call). */
  readonly replaceTo?: number;
}

type AnyNode = Node & Record<string, unknown>;

/**
 * Instruments `source`, or says why it cannot run: it does not parse, it imports what the sandbox
 * does not grant, or it names the guard.
 */
export function instrument(source: string, options: InstrumentOptions): Instrumented {
  let ast: AnyNode;
  try {
    ast = parse(source, { ecmaVersion: "latest", sourceType: "module", allowHashBang: true, allowAwaitOutsideFunction: true }) as unknown as AnyNode;
  } catch (error) {
    return { ok: false, reason: `${options.path} is not valid JavaScript: ${error instanceof Error ? error.message : String(error)}` };
  }
  const insertions: Insertion[] = [];
  const imports: string[] = [];
  const hoisted: string[] = [];
  let refusal: string | null = null;
  const refuse = (reason: string) => {
    refusal ??= reason;
  };
  const wrap = (node: AnyNode, open: string, close: string, rank = 0) => {
    const span = node.end - node.start;
    insertions.push({ at: node.start, text: open, order: -span * 4 - rank }, { at: node.end, text: close, order: span * 4 + rank });
  };
  /** A loop or function body that runs once per iteration or call starts with a step of the guard. */
  const guardBody = (body: AnyNode) => {
    if (body.type === "BlockStatement") insertions.push({ at: body.start + 1, text: "__sb.t();", order: Number.NEGATIVE_INFINITY });
    else wrap(body, "{__sb.t();", "}", 2);
  };
  const resolveSpecifier = (specifier: string): string | null => {
    const bare = specifier.replace(/^node:/, "");
    if (GRANTED_BUILTINS.has(bare)) return `node:${bare}`;
    if (!/^\.{0,2}\//.test(specifier)) return null;
    const resolved = resolvePath(options.path, specifier);
    if (resolved === null) return null;
    for (const candidate of candidatePaths(resolved)) {
      const key = options.files.get(candidate);
      if (key !== undefined) return relativeSpecifier(options.path, key);
    }
    return null;
  };
  const checkSource = (node: AnyNode | null | undefined, rewrite = true) => {
    if (!node) return;
    const specifier = String(node.value);
    const resolved = resolveSpecifier(specifier);
    if (resolved === null) return refuse(notGranted(specifier));
    imports.push(specifier);
    if (rewrite) insertions.push({ at: node.start, text: JSON.stringify(resolved), order: 0, replaceTo: node.end });
  };

  /**
   * A snippet's imports move below its main() (imports hoist, so they still run first) and its
   * exports lose the keyword; both are blanked in place so every line keeps its number.
   */
  const lifted: string[] = [];
  const liftOut = (node: AnyNode) => {
    if (node.type === "ImportDeclaration") {
      const specifier = node.source as AnyNode;
      const resolved = resolveSpecifier(String(specifier.value)) ?? String(specifier.value);
      lifted.push(source.slice(node.start, specifier.start) + JSON.stringify(resolved) + source.slice(specifier.end, node.end));
      insertions.push({ at: node.start, text: blank(source.slice(node.start, node.end)), order: 0, replaceTo: node.end });
      return;
    }
    const declaration = node.declaration as AnyNode | null | undefined;
    if (declaration && node.type === "ExportNamedDeclaration") {
      insertions.push({ at: node.start, text: blank(source.slice(node.start, declaration.start)), order: 0, replaceTo: declaration.start });
    } else if (declaration && node.type === "ExportDefaultDeclaration") {
      insertions.push({ at: node.start, text: blank(source.slice(node.start, declaration.start)), order: 0, replaceTo: declaration.start });
    } else {
      refuse("a snippet cannot re-export modules");
    }
  };
  /** Inside an optional chain a call is not wrapped: `a?.b().c()` must still short-circuit whole. */
  let chains = 0;
  visit(ast, null, (node, parent) => {
    switch (node.type) {
      case "Identifier":
        if (RESERVED.test(String(node.name))) refuse(`it uses the name ${String(node.name)}, which the sandbox reserves`);
        break;
      case "ImportDeclaration":
      case "ExportAllDeclaration":
      case "ExportNamedDeclaration":
        if (options.kind === "program" && node.type === "ImportDeclaration") refuse("a code tool program cannot import modules");
        checkSource(node.source as AnyNode | null, options.kind !== "snippet");
        if (options.kind === "snippet") liftOut(node);
        break;
      case "ExportDefaultDeclaration":
        if (options.kind === "snippet") liftOut(node);
        break;
      case "ImportExpression": {
        const source = node.source as AnyNode;
        if (source.type !== "Literal" || typeof source.value !== "string") refuse("it imports a module whose name is computed, which the sandbox cannot check");
        else checkSource(source);
        break;
      }
      case "CallExpression": {
        const callee = node.callee as AnyNode;
        const args = node.arguments as AnyNode[];
        if (callee.type === "Identifier" && callee.name === "require" && options.kind !== "program") {
          const first = args[0];
          if (!first || first.type !== "Literal" || typeof first.value !== "string") {
            refuse("it requires a module whose name is computed, which the sandbox cannot check");
            break;
          }
          const resolved = resolveSpecifier(first.value);
          if (resolved === null) {
            refuse(notGranted(first.value));
            break;
          }
          imports.push(first.value);
          // An ES module has no require: the module is imported up front (imports hoist, so
          // appending keeps every line where it was) and the call reads what it exported.
          const name = `__sbRequire${hoisted.length}`;
          hoisted.push(`import * as ${name} from ${JSON.stringify(resolved)};`);
          insertions.push({ at: node.start, text: `__sb.cjs(${name}${resolved.startsWith("node:") ? ", true" : ""})`, order: 0, replaceTo: node.end });
          return "skip";
        }
        if (callee.type !== "Super" && chains === 0) wrap(node, "__sb.m(", ")");
        break;
      }
      case "ChainExpression":
        wrap(node, "__sb.m(", ")");
        chains++;
        break;
      case "NewExpression":
        wrap(node, "__sb.m(", ")");
        break;
      case "ArrayExpression": {
        const elements = node.elements as (AnyNode | null)[];
        if (elements.length > 8 || elements.some((element) => element?.type === "SpreadElement")) wrap(node, "__sb.m(", ")");
        break;
      }
      case "BinaryExpression":
        if (node.operator === "+") wrap(node, "__sb.m(", ")");
        break;
      case "AssignmentExpression":
        if (node.operator === "+=") wrap(node, "__sb.m(", ")");
        break;
      case "TemplateLiteral":
        if ((node.expressions as AnyNode[]).length > 0 && parent?.type !== "TaggedTemplateExpression") wrap(node, "__sb.m(", ")");
        break;
      case "Literal":
        if (node.regex) wrap(node, "__sb.re(", ")");
        break;
      case "ForStatement":
      case "ForInStatement":
      case "ForOfStatement":
      case "WhileStatement":
      case "DoWhileStatement":
        guardBody(node.body as AnyNode);
        break;
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression": {
        const body = node.body as AnyNode;
        if (body.type === "BlockStatement") guardBody(body);
        else wrap(body, "(__sb.t(),", ")", 1);
        break;
      }
    }
    return undefined;
  }, (node) => {
    if (node.type === "ChainExpression") chains--;
  });
  if (refusal !== null) return { ok: false, reason: refusal };
  const body = apply(source, insertions);
  if (options.kind === "snippet") {
    // Sharing line 1 with the reporter's first line keeps every line number as written.
    return { ok: true, source: `export default async function __sbSnippet() {${body}\n}\n${[...lifted, ...hoisted].join("\n")}`, imports };
  }
  return { ok: true, source: body + (hoisted.length ? `\n${hoisted.join("")}` : ""), imports };
}

/** The same text with everything but line breaks turned into spaces: what was there is gone, lines stay. */
function blank(text: string): string {
  return text.replace(/[^\n]/g, " ");
}

function notGranted(specifier: string): string {
  const bare = specifier.replace(/^node:/, "");
  if (/^\.{0,2}\//.test(specifier)) return `it imports ${specifier}, which is not in the repository files loaded into the sandbox`;
  if (specifier.startsWith("node:") || NODE_BUILTINS.has(bare)) return `it imports the Node built-in ${specifier}, which the sandbox does not grant`;
  return `it imports the package ${specifier}, which the sandbox does not have`;
}

/** Built-ins the message should call built-ins when named without `node:` (the rest are packages to us). */
const NODE_BUILTINS = new Set([
  "child_process", "cluster", "crypto", "dgram", "dns", "fs", "fs/promises", "http", "http2", "https", "inspector", "module", "net", "os",
  "perf_hooks", "process", "readline", "repl", "stream", "tls", "tty", "v8", "vm", "worker_threads", "zlib",
]);

/** `specifier` resolved against the directory of `from`, or null when it climbs out of the root. */
function resolvePath(from: string, specifier: string): string | null {
  const parts = specifier.startsWith("/") ? [] : from.split("/").slice(0, -1);
  for (const segment of specifier.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      // A snippet written beside the repository (`../src/x.js`) means the repository's root.
      if (parts.length > 0) parts.pop();
      continue;
    }
    parts.push(segment);
  }
  return parts.length > 0 ? parts.join("/") : null;
}

/** How module `from` names module `to` so workerd finds it: relative, with `./` or `../`. */
function relativeSpecifier(from: string, to: string): string {
  const fromDir = from.split("/").slice(0, -1);
  const target = to.split("/");
  let shared = 0;
  while (shared < fromDir.length && shared < target.length - 1 && fromDir[shared] === target[shared]) shared++;
  const up = fromDir.length - shared;
  return `${up === 0 ? "./" : "../".repeat(up)}${target.slice(shared).join("/")}`;
}

/** Visits every node depth-first; `enter` returning "skip" does not descend, `leave` runs after the children. */
function visit(
  node: AnyNode,
  parent: AnyNode | null,
  enter: (node: AnyNode, parent: AnyNode | null) => "skip" | undefined,
  leave: (node: AnyNode) => void,
): void {
  if (enter(node, parent) === "skip") return;
  for (const key of Object.keys(node)) {
    if (key === "type" || key === "start" || key === "end") continue;
    const value = node[key];
    if (Array.isArray(value)) {
      for (const child of value) if (isNode(child)) visit(child, node, enter, leave);
    } else if (isNode(value)) visit(value, node, enter, leave);
  }
  leave(node);
}

function isNode(value: unknown): value is AnyNode {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}

/**
 * Applies insertions from the end, so offsets stay valid. At one place, the insertion applied last
 * lands leftmost: a replacement goes before the wraps that open there, and the wider wrap last.
 */
function apply(source: string, insertions: readonly Insertion[]): string {
  const sorted = [...insertions].sort((a, b) => b.at - a.at || b.order - a.order);
  let out = source;
  for (const insertion of sorted) {
    out = out.slice(0, insertion.at) + insertion.text + out.slice(insertion.replaceTo ?? insertion.at);
  }
  return out;
}
