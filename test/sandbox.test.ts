import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createSandbox, type SandboxVerdict } from "../src/sandbox/run.ts";

// The real executor: @cloudflare/codemode's DynamicWorkerExecutor over the Worker's LOADER binding
// (worker_loaders), one fresh isolate per run, inside the same workerd the tests run in. A guard
// that failed to stop a runaway snippet would hang or abort this very runtime, not just one test.
const sandbox = createSandbox(env.LOADER);
const run = (code: string, files?: Record<string, string>) => sandbox.runSnippet({ code, files, hostNames: ["GITHUB_TOKEN", "CONVERSATION", "LOADER"] });

/** The sandbox still runs a snippet and answers: what every escape test checks after its attempt. */
async function stillServes(): Promise<void> {
  expect(await run(`console.log("alive", 6 * 7)`)).toMatchObject({ verdict: "did_not_reproduce", output: ["alive 42"] });
}

function reasonOf(verdict: SandboxVerdict): string {
  expect(verdict.verdict).toBe("could_not_run");
  return verdict.verdict === "could_not_run" ? verdict.reason : "";
}

describe("a snippet from a bug report runs in a fresh isolate", () => {
  it("a TypeError on undefined is reproduced with the error and the reporter's own line numbers", async () => {
    const verdict = await run(["const settings = {};", "function save(user) {", "  return user.id;", "}", "save(settings.user);"].join("\n"));
    expect(verdict).toMatchObject({ verdict: "reproduced", error: { name: "TypeError", message: "Cannot read properties of undefined (reading 'id')" }, assertion: false });
    expect(verdict.verdict === "reproduced" && verdict.stack).toEqual(["at save (snippet:3)", "at snippet:5"]);
  });

  it("a clean run does not reproduce, and shows what it printed", async () => {
    expect(await run(`console.log([3, 1, 2].sort().join(","));`)).toMatchObject({ verdict: "did_not_reproduce", output: ["1,2,3"] });
  });

  it("a failed console.assert and a failed node:assert both reproduce as failed assertions", async () => {
    expect(await run(`console.assert(1 + 1 === 3, "math is broken");`)).toMatchObject({ verdict: "reproduced", assertion: true, error: { message: "math is broken" } });
    expect(await run(`import assert from "node:assert";\nassert.strictEqual(0.1 + 0.2, 0.3);`)).toMatchObject({ verdict: "reproduced", assertion: true, error: { name: "AssertionError" } });
  });

  it("an error thrown later (a rejected promise nobody awaited, a timer) is the one reproduced", async () => {
    expect(await run(`async function load() { throw new RangeError("page out of range"); }\nload();`)).toMatchObject({ verdict: "reproduced", error: { name: "RangeError" } });
    expect(await run(`setTimeout(() => { null.length; }, 5);`)).toMatchObject({ verdict: "reproduced", error: { name: "TypeError" } });
  });

  it("imports the repository files it is given, ES modules and CommonJS, and reports frames in them", async () => {
    const files = { "lib/dates.js": "exports.daysBetween = function (a, b) {\n  return (b.getTime() - a.getTime()) / 864e5;\n};\n" };
    const verdict = await run(`const { daysBetween } = require("../lib/dates");\ndaysBetween(new Date(), null);`, files);
    expect(verdict).toMatchObject({ verdict: "reproduced", error: { name: "TypeError" }, stack: ["at exports.daysBetween (lib/dates.js:2)", "at snippet:2"] });
  });

  it("a snippet that is not JavaScript could not run, and says where it stopped parsing", async () => {
    expect(reasonOf(await run(`const = 1;`))).toMatch(/^snippet\.js is not valid JavaScript: Unexpected token \(1:6\)/);
  });

  it("an import of a file the repository does not have, or of a package, could not run, naming it", async () => {
    expect(reasonOf(await run(`import { x } from "./src/missing.js";`))).toBe("it imports ./src/missing.js, which is not in the repository files loaded into the sandbox");
    expect(reasonOf(await run(`import _ from "lodash";`))).toBe("it imports the package lodash, which the sandbox does not have");
  });
});

describe("escape attempts could not run, and the sandbox keeps serving", () => {
  it("reading the environment, the host's variables or its bindings", async () => {
    expect(reasonOf(await run(`console.log(process.env.GITHUB_TOKEN);`))).toBe("it reads the environment variable GITHUB_TOKEN, and the sandbox has none");
    expect(reasonOf(await run(`console.log(env.GITHUB_TOKEN);`))).toBe("it reads the host's env, which the sandbox does not have");
    expect(reasonOf(await run(`console.log(globalThis.CONVERSATION);`))).toBe("it reads the host's CONVERSATION, which the sandbox does not have");
    expect(reasonOf(await run(`import { env } from "cloudflare:workers";\nconsole.log(env);`))).toBe("it imports the package cloudflare:workers, which the sandbox does not have");
    await stillServes();
  });

  it("a refusal the snippet catches still ends the run as could not run", async () => {
    expect(reasonOf(await run(`let token;\ntry { token = process.env.GITHUB_TOKEN; } catch {}\nconsole.log("carried on", token);`))).toMatch(/environment variable GITHUB_TOKEN/);
  });

  it("fetch to the emulator or anywhere else", async () => {
    expect(reasonOf(await run(`await fetch("http://127.0.0.1:8790/github/user");`))).toBe("it needs the network (fetch http://127.0.0.1:8790/github/user), which the sandbox does not have");
    expect(reasonOf(await run(`const r = await fetch(new Request("https://example.com/"));`))).toMatch(/needs the network \(fetch https:\/\/example\.com\/\)/);
    await stillServes();
  });

  it("importing Node built-ins it does not grant, statically, dynamically or at run time", async () => {
    expect(reasonOf(await run(`import { execSync } from "node:child_process";`))).toBe("it imports the Node built-in node:child_process, which the sandbox does not grant");
    expect(reasonOf(await run(`const fs = await import("fs");`))).toBe("it imports the Node built-in fs, which the sandbox does not grant");
    expect(reasonOf(await run(`const name = "node:" + "fs";\nawait import(name);`))).toBe("it imports a module whose name is computed, which the sandbox cannot check");
    expect(reasonOf(await run(`process.getBuiltinModule("node:fs");`))).toBe("it loads the Node built-in node:fs at run time, which the sandbox does not grant");
    await stillServes();
  });

  it("allocating without bound: a growing array, a doubling string, a huge buffer, a filled array", async () => {
    expect(reasonOf(await run(`const rows = [];\nwhile (true) rows.push(new Array(100000).fill(0));`))).toMatch(/more memory than the sandbox allows$/);
    expect(reasonOf(await run(`let s = "ab";\nfor (;;) s += s;`))).toMatch(/^it built a string of [\d,]+ characters/);
    expect(reasonOf(await run(`const b = new ArrayBuffer(2 ** 34);`))).toBe("it allocated a buffer of 17,179,869,184 bytes, more memory than the sandbox allows");
    expect(reasonOf(await run(`const a = [];\na.length = 2 ** 31;\na.fill(1);`))).toMatch(/^it filled an array of 2,147,483,648 elements/);
    await stillServes();
  });

  it("looping forever: a loop, a loop that swallows the stop, runaway recursion, a timer that never ends", async () => {
    expect(reasonOf(await run(`let i = 0;\nwhile (true) i++;`))).toMatch(/^it ran (more than [\d,]+ loop iterations and calls|longer than 1000 ms)$/);
    expect(reasonOf(await run(`for (;;) { try { for (;;) {} } catch {} }`))).toMatch(/^it ran /);
    expect(reasonOf(await run(`const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));\nconsole.log(fib(80));`))).toMatch(/^it ran /);
    expect(reasonOf(await run(`setInterval(() => {}, 1);`))).toMatch(/^it ran |^its timers were still pending after 1000 ms$/);
    await stillServes();
  });

  it("a regular expression that backtracks without end is refused before it runs", async () => {
    expect(reasonOf(await run(`/^(\\w+\\s?)*$/.test("an email address that is definitely not valid!");`))).toMatch(/nests quantifiers/);
    expect(reasonOf(await run(`"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!".match("^(a+)+$");`))).toMatch(/nests quantifiers/);
    expect(reasonOf(await run(`new RegExp("(x+x+)+y").test("x".repeat(40));`))).toMatch(/nests quantifiers/);
    await stillServes();
  });
});
