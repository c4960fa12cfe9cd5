// Where the CLI works and what it knows of the configuration: the project it belongs to, and the
// Worker's variables from a dotenv file, `npm run dev`'s defaults, or the shell.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseDotenv, resolveDevVars } from "../dev/defaults.ts";

/** The project this CLI belongs to: `npx switchboard` always works on its own checkout. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The Worker `npm run dev` starts. */
export const DEV_WORKER_URL = "http://127.0.0.1:8787";

export interface VariableOptions {
  /** A dotenv file (KEY=value lines), relative to the working directory. */
  readonly envFile?: string;
  /** `npm run dev`'s variables: its dev defaults with `.dev.vars` on top. */
  readonly dev?: boolean;
}

export interface Variables {
  /** By name; an empty value counts as unset, as wrangler and `npm run dev` treat it. */
  readonly values: Readonly<Record<string, string>>;
  /** Where they came from, for messages ("`.dev.vars`", "npm run dev's defaults"). */
  readonly source: string;
}

/** A failure the operator can act on: printed as one line, without a stack. */
export class CliError extends Error {
  /** The process's exit code. */
  readonly exitCode: number = 1;
}

/** The command was given something it cannot use: exit code 2. */
export class UsageError extends CliError {
  override name = "UsageError";
  override readonly exitCode = 2;
}

/** The Worker's variables as the options say, without the shell's environment. */
export function readVariables(options: VariableOptions, root = PROJECT_ROOT): Variables {
  if (options.dev && options.envFile) throw new UsageError("--dev and --env-file each name the whole configuration; give one");
  if (options.dev) {
    const { vars, overridden } = resolveDevVars(root);
    return { values: vars, source: overridden.length ? "npm run dev's defaults with .dev.vars on top" : "npm run dev's defaults" };
  }
  const path = options.envFile ? resolve(process.cwd(), options.envFile) : resolve(root, ".dev.vars");
  if (!existsSync(path)) {
    if (options.envFile) throw new UsageError(`${options.envFile}: no such file`);
    return { values: {}, source: ".dev.vars (absent)" };
  }
  return { values: withoutEmpty(parseDotenv(readFileSync(path, "utf8"))), source: options.envFile ?? ".dev.vars" };
}

/**
 * One variable an operator command needs (a secret, ADMIN_TOKEN): the shell's environment first,
 * then the configuration; a UsageError naming where to set it otherwise.
 */
export function requireVariable(variables: Variables, name: string, hint = ""): string {
  const value = process.env[name] || variables.values[name];
  if (value) return value;
  throw new UsageError(`${name} is not set (looked in the environment and ${variables.source})${hint ? `; ${hint}` : ""}`);
}

function withoutEmpty(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ""));
}

/** A Worker URL without its trailing slash; a UsageError for anything that is not http(s). */
export function workerUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${raw}: not a URL (expected e.g. https://switchboard.example.workers.dev)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`${raw}: expected an http:// or https:// URL`);
  return url.origin + url.pathname.replace(/\/+$/, "");
}
