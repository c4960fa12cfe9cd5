// Child processes of the benchmark: the emulator and the peer each run in their own Node process,
// and the workerd process behind `wrangler dev` is found through /proc for its resident memory.
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { ROOT } from "../dev/workerd.ts";

export interface NodeChild {
  readonly url: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
  output(): string;
}

/** Runs `node <script> ...args` and waits for its first stdout line, `{"url": …}`. */
export async function startNodeChild(script: string, args: string[] = []): Promise<NodeChild> {
  const child = spawn(process.execPath, [join(ROOT, script), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stderr!.on("data", (chunk) => (output = (output + chunk).slice(-8000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start in 30 s:\n${output}`)), 30_000);
    lines.once("line", (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once("exit", (code) => reject(new Error(`${script} exited (${code}) before it was ready:\n${output}`)));
  });
  lines.on("line", (line) => (output = (output + line + "\n").slice(-8000)));
  return {
    url,
    process: child,
    output: () => output,
    async stop() {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The process group's members named `name`, from /proc (Linux). */
export function processesInGroup(pgid: number, name: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid pgrp …: comm may contain spaces, so split after the last ')'.
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid && comm.startsWith(name)) found.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** VmRSS of a process in bytes, or NaN when it is gone. */
export function residentBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * Holds every turn's first Slack call (`reactions.add`) for `ms`, for the next `count` calls: the
 * turns wait on I/O instead of competing with the accepts for workerd's one JavaScript thread.
 * Held calls proceed when their time is up.
 */
export async function parkTurns(emulatorUrl: string, ms: number, count: number): Promise<void> {
  const response = await fetch(`${emulatorUrl}/_emulator/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ platform: "slack", method: "POST", pathPattern: "reactions\\.add", kind: "timeout", delayMs: ms, times: count }),
  });
  if (!response.ok) throw new Error(`the emulator refused the fault: ${response.status}`);
}

/** The benchmark's Worker entry: production plus the ceiling and classifier routes. */
export const BENCH_ENTRY = "bench/worker.ts";

/** CPU time a process has used (user + system), in ms, from /proc (Linux): NaN when it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime, fields 14 and 15 of stat (11 and 12 after the comm), in clock ticks (100 Hz).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}
