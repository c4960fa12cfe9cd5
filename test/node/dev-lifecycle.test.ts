import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, portInUse, ROOT } from "../../dev/workerd.ts";

interface Dev {
  readonly process: ChildProcess;
  readonly ports: readonly number[];
  readonly state: string;
  /** Process groups seen running wrangler for this run. */
  readonly groups: Set<number>;
  output(): string;
  exited: Promise<number | null>;
}

/** `npm run dev` as a user runs it (without the demo issue), on free ports and its own storage. */
async function startDev(ports?: { worker: number; emulator: number }): Promise<Dev> {
  const worker = ports?.worker ?? (await freePort());
  const emulator = ports?.emulator ?? (await freePort());
  const state = mkdtempSync(join(tmpdir(), "switchboard-dev-"));
  const child = spawn(process.execPath, [join(ROOT, "dev/start.ts"), "--no-demo", "--port", String(worker), "--emulator-port", String(emulator), "--persist-to", state], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  return { process: child, ports: [worker, emulator], state, groups: new Set(), output: () => output, exited };
}

async function until(what: string, probe: () => boolean | Promise<boolean>, dev: Dev, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${dev.output().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function processes(): { pid: number; group: number; command: string }[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        // /proc/<pid>/stat: "pid (name) state ppid pgrp …"; the name may hold spaces.
        const [state, , group] = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
        // A zombie holds no port and no memory; it only waits for its parent to read its status.
        if (state === "Z") return [];
        return [{ pid: Number(pid), group: Number(group), command: readFileSync(`/proc/${pid}/cmdline`, "utf8") }];
      } catch {
        return [];
      }
    });
}

/**
 * Every process a dev run started: wrangler names the run's own storage folder on its command
 * line, and workerd (which does not) shares wrangler's process group.
 */
function processesOf(dev: Dev): number[] {
  const all = processes();
  const groups = new Set(all.filter((p) => p.command.includes(dev.state) && p.pid !== dev.process.pid).map((p) => p.group));
  for (const group of groups) dev.groups.add(group);
  return all.filter((p) => dev.groups.has(p.group) || p.command.includes(dev.state)).map((p) => p.pid);
}

describe("npm run dev never leaves a server behind", () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const step of cleanup.splice(0)) step();
  });

  function track(dev: Dev): Dev {
    cleanup.push(() => {
      for (const pid of processesOf(dev)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone
        }
      }
      rmSync(dev.state, { recursive: true, force: true });
    });
    return dev;
  }

  it("killed with SIGKILL, it takes wrangler and workerd down with it and frees both ports", async () => {
    const dev = track(await startDev());
    await until("npm run dev to be ready", () => dev.output().includes("Switchboard is running locally"), dev);
    const started = new Set(processesOf(dev));
    expect(processes().filter((p) => started.has(p.pid)).some((p) => p.command.includes("workerd"))).toBe(true);

    dev.process.kill("SIGKILL");
    await dev.exited;
    await until("wrangler and workerd to exit", () => processesOf(dev).length === 0, dev, 15_000);
    for (const port of dev.ports) expect(await portInUse(port)).toBe(false);
  });

  it("Ctrl-C shuts everything down cleanly", async () => {
    const dev = track(await startDev());
    await until("npm run dev to be ready", () => dev.output().includes("Switchboard is running locally"), dev);
    dev.process.kill("SIGINT");
    expect(await dev.exited).toBe(0);
    await until("wrangler and workerd to exit", () => processesOf(dev).length === 0, dev, 15_000);
    for (const port of dev.ports) expect(await portInUse(port)).toBe(false);
  });

  it("a port that is still busy is named, with how to free it or pick another", async () => {
    const busy = await freePort();
    const holder: Server = createServer();
    await new Promise<void>((listening) => holder.listen(busy, "127.0.0.1", listening));
    cleanup.push(() => holder.close());

    const dev = track(await startDev({ worker: busy, emulator: await freePort() }));
    expect(await dev.exited).toBe(1);
    expect(dev.output()).toContain(`Port ${busy} (the Worker) is already in use`);
    expect(dev.output()).toContain("--port <port>");
    expect(processesOf(dev)).toEqual([]);
  });
});
