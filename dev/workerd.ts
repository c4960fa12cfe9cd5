// Starts the Worker under `wrangler dev` (workerd) as a child process: used by `npm run dev`,
// the process-level tests (kill -9 and restart) and the benchmarks.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface WorkerOptions {
  /** Variables and secrets for the Worker (written to a private env file, not the command line). */
  vars: Record<string, string>;
  port?: number;
  /** Durable Object storage; reuse the same directory to restart on the same state. */
  persistTo: string;
  /** Print wrangler's output (npm run dev) instead of keeping it for error messages. */
  inheritOutput?: boolean;
  config?: string;
  /** A Worker entry other than wrangler.toml's `main` (the benchmark's, with its extra routes), relative to the project or absolute. */
  entry?: string;
}

export interface RunningWorker {
  url: string;
  /** wrangler's DevTools inspector for the Worker (`bench/profile.ts` takes CPU profiles through it). */
  inspectorPort: number;
  process: ChildProcess;
  /** Sends `signal` to wrangler and workerd together (they share a process group). */
  kill(signal?: NodeJS.Signals): void;
  exited: Promise<number | null>;
  output(): string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** True when something on this machine already listens on `port` (127.0.0.1). */
export async function portInUse(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((answer) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => answer(error.code === "EADDRINUSE"));
    server.listen(port, host, () => server.close(() => answer(false)));
  });
}

export function envFileContents(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join("\n");
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const port = options.port ?? (await freePort());
  const inspectorPort = await freePort();
  mkdirSync(options.persistTo, { recursive: true });
  const envFile = join(options.persistTo, "switchboard.vars");
  writeFileSync(envFile, envFileContents(options.vars), { mode: 0o600 });
  const args = [
    "dev",
    ...(options.entry ? [resolve(ROOT, options.entry)] : []),
    "--config", options.config ?? join(ROOT, "wrangler.toml"),
    "--ip", "127.0.0.1",
    "--port", String(port),
    "--persist-to", options.persistTo,
    "--env-file", envFile,
    "--show-interactive-dev-session=false",
    "--inspector-port", String(inspectorPort),
  ];
  // Run wrangler on this very Node (22), not whatever `node` the PATH finds first: wrangler
  // refuses Node 20, and the system Node here is 20.
  const child = spawn(process.execPath, [join(ROOT, "node_modules/wrangler/bin/wrangler.js"), ...args], {
    cwd: ROOT,
    detached: true,
    stdio: options.inheritOutput ? "inherit" : ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: process.env.CI ?? "" },
  });
  // Goes down with us even when we are killed with SIGKILL (see dev/reaper.ts).
  spawn(process.execPath, [join(ROOT, "dev/reaper.ts"), String(process.pid), String(child.pid)], {
    detached: true,
    stdio: "ignore",
  }).unref();
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  const url = `http://127.0.0.1:${port}`;
  const worker: RunningWorker = {
    url,
    inspectorPort,
    process: child,
    kill(signal = "SIGTERM") {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    },
    exited,
    output: () => output,
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    const exitedEarly = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 250))]);
    if (exitedEarly) throw new Error(`wrangler dev exited before it was ready:\n${output.slice(-4000)}`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) return worker;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      worker.kill("SIGKILL");
      throw new Error(`wrangler dev did not become ready in 90 s:\n${output.slice(-4000)}`);
    }
  }
}
