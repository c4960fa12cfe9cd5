/**
 * The guard's half inside the isolate: the module every instrumented line calls (see
 * instrument.ts), loaded into each Dynamic Worker as `__sandbox_guard.js`. It is source text,
 * not an import: the isolate gets exactly these lines, with the limits written in.
 *
 * What it does, and why each part exists:
 * - `t()` counts steps (loop iterations and calls) and checks the wall clock every 1024 of them:
 *   locally workerd's clock moves while code runs, and nothing else would stop a loop; in
 *   production the clock stands still during execution, so the step cap and the platform's CPU
 *   limit stop it there. Once stopped, every later step throws again, so code that catches the
 *   stop and carries on is stopped at its next step.
 * - `m(value)` measures what a call, a `new`, a large array literal or a string concatenation
 *   made, and the bulk allocators (`new Array(n)`, `fill`, `repeat`, `padStart`, `join`,
 *   `ArrayBuffer`, typed arrays, `Array.from`) are checked before they allocate: locally a heap that
 *   grows without bound aborts the whole workerd process, not just the isolate.
 * - Regular expressions with a quantified group that itself repeats (`(a+)+`) are refused before
 *   they run: their backtracking runs inside V8's regexp engine, where no step is counted.
 * - The network, the environment and the host's bindings are refused with a reason the verdict
 *   reports, even when the code catches the error.
 */
export interface GuardLimits {
  /** Wall-clock budget of one run, ms. */
  readonly ms: number;
  /** Loop iterations plus function calls. */
  readonly steps: number;
  /** Longest string, in characters. */
  readonly stringChars: number;
  /** Largest single array, and all arrays made in one run together (elements). */
  readonly arrayElements: number;
  readonly totalElements: number;
  /** Characters of all large strings (over 64 KiB) made in one run together. */
  readonly totalChars: number;
  /** Bytes of all ArrayBuffers and typed arrays made in one run together. */
  readonly bytes: number;
  /** Console lines kept; later ones are counted, not kept. */
  readonly logLines: number;
  /** Names of the host's bindings and variables (never values): reading one is refused by name. */
  readonly hostNames: readonly string[];
}

export const GUARD_MODULE_NAME = "__sandbox_guard.js";

export function guardModule(limits: GuardLimits): string {
  return `const LIMITS = ${JSON.stringify(limits)};
${GUARD_SOURCE.replaceAll("${GUARD_MODULE_NAME}", GUARD_MODULE_NAME)}`;
}

const GUARD_SOURCE = String.raw`
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
const realSetInterval = globalThis.setInterval;
const realClearInterval = globalThis.clearInterval;
const RealRegExp = globalThis.RegExp;
// Set when run() starts: at a module's top level workerd's clock reads 0.
let started = null;
let steps = 0, elements = 0, chars = 0, bytes = 0, logged = 0, dropped = 0, pendingTimers = 0;
let stop = null;
let later = null;
const assertions = [];

class SandboxStop extends Error {}
Object.defineProperty(SandboxStop.prototype, "name", { value: "SandboxStop" });

function halt(kind, reason) {
  if (!stop) stop = { kind, reason };
  throw new SandboxStop(stop.reason);
}

function t() {
  if (stop) throw new SandboxStop(stop.reason);
  steps++;
  if (steps > LIMITS.steps) halt("steps", "it ran more than " + LIMITS.steps.toLocaleString("en") + " loop iterations and calls");
  if ((steps & 1023) === 0 && started !== null && Date.now() - started > LIMITS.ms) halt("time", "it ran longer than " + LIMITS.ms + " ms");
}

function memory(what) {
  halt("memory", "it " + what + ", more memory than the sandbox allows");
}

function m(value) {
  if (stop) throw new SandboxStop(stop.reason);
  if (typeof value === "string") {
    if (value.length > LIMITS.stringChars) memory("built a string of " + value.length.toLocaleString("en") + " characters");
    if (value.length > 65536 && (chars += value.length) > LIMITS.totalChars) memory("built more than " + LIMITS.totalChars.toLocaleString("en") + " characters of strings");
  } else if (Array.isArray(value)) {
    if (value.length > LIMITS.arrayElements) memory("made an array of " + value.length.toLocaleString("en") + " elements");
    if ((elements += value.length) > LIMITS.totalElements) memory("made more than " + LIMITS.totalElements.toLocaleString("en") + " array elements");
  } else if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    if ((bytes += value.byteLength) > LIMITS.bytes) memory("allocated more than " + LIMITS.bytes.toLocaleString("en") + " bytes of buffers");
  } else if (value instanceof Map || value instanceof Set) {
    if ((elements += value.size) > LIMITS.totalElements) memory("made more than " + LIMITS.totalElements.toLocaleString("en") + " collection entries");
  }
  return value;
}

// A quantifier applied to a group that already holds one: (a+)+, (\w*)*, (x+){2,}. Their
// backtracking grows exponentially with the input, inside V8 where no step is counted.
function nestedQuantifier(source) {
  const groups = [{ quantified: false }];
  let inClass = false;
  let closed = null;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") { i++; closed = null; continue; }
    if (inClass) { if (c === "]") inClass = false; continue; }
    if (c === "[") { inClass = true; closed = null; continue; }
    if (c === "(") { groups.push({ quantified: false }); closed = null; continue; }
    if (c === ")") { closed = groups.length > 1 ? groups.pop() : null; continue; }
    const repeats = c === "*" || c === "+" || (c === "{" && /^\{\d+,\d*\}/.test(source.slice(i)) && !/^\{(\d+),\1\}/.test(source.slice(i)) && !/^\{[01],[01]\}/.test(source.slice(i)));
    if (repeats) {
      if (closed && closed.quantified) return true;
      groups[groups.length - 1].quantified = true;
      if (closed) groups[groups.length - 1].quantified = true;
    }
    if (c === "?" && closed && closed.quantified) groups[groups.length - 1].quantified = true;
    closed = null;
  }
  return false;
}

function re(regex) {
  if (stop) throw new SandboxStop(stop.reason);
  const source = regex instanceof RealRegExp ? regex.source : String(regex);
  if (nestedQuantifier(source)) halt("regex", "its regular expression /" + source.slice(0, 80) + "/ nests quantifiers, which can backtrack for longer than the sandbox allows");
  return regex;
}

// What require() returns: a built-in's or a CommonJS file's module.exports (its default export),
// or an ES module's namespace.
function cjs(namespace, builtin = false) {
  const keys = Object.keys(namespace);
  return (builtin && "default" in namespace) || (keys.length === 1 && keys[0] === "default") ? namespace.default : namespace;
}

function refuse(reason) {
  halt("refused", reason);
}

function guardConstructor(target, check) {
  const guarded = new Proxy(target, {
    construct(real, args, newTarget) { check(args); return Reflect.construct(real, args, newTarget === guarded ? real : newTarget); },
    apply(real, self, args) { check(args); return Reflect.apply(real, self, args); },
  });
  if (target.prototype) Object.defineProperty(target.prototype, "constructor", { value: guarded, writable: true, configurable: true });
  return guarded;
}

function lengthOf(value) {
  return typeof value === "number" ? value : 0;
}

globalThis.Array = guardConstructor(Array, (args) => {
  if (args.length === 1 && lengthOf(args[0]) > LIMITS.arrayElements) memory("made an array of " + args[0].toLocaleString("en") + " elements");
});
for (const Buffer of [ArrayBuffer, globalThis.SharedArrayBuffer].filter(Boolean)) {
  globalThis[Buffer.name] = guardConstructor(Buffer, (args) => {
    const max = Math.max(lengthOf(args[0]), lengthOf(args[1] && args[1].maxByteLength));
    if (max + bytes > LIMITS.bytes) memory("allocated a buffer of " + max.toLocaleString("en") + " bytes");
  });
}
for (const Typed of [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array, globalThis.Float16Array].filter(Boolean)) {
  globalThis[Typed.name] = guardConstructor(Typed, (args) => {
    const size = lengthOf(args[0]) * Typed.BYTES_PER_ELEMENT;
    if (size + bytes > LIMITS.bytes) memory("allocated a typed array of " + size.toLocaleString("en") + " bytes");
  });
}
// Node's own modules (node:assert, node:util) build patterns of their own at run time: those are trusted.
const fromNodeInternals = () => {
  const caller = (new Error().stack ?? "").split("\n").slice(1).find((line) => !line.includes("${GUARD_MODULE_NAME}"));
  return caller !== undefined && caller.includes("node-internal:");
};
globalThis.RegExp = guardConstructor(RealRegExp, (args) => { if (!fromNodeInternals()) re(args[0] instanceof RealRegExp ? args[0] : String(args[0] ?? "")); });

function before(owner, name, check) {
  const real = owner[name];
  Object.defineProperty(owner, name, {
    value: function (...args) { check(this, args); return m(Reflect.apply(real, this, args)); },
    writable: true, configurable: true,
  });
}
before(Array.prototype, "fill", (self) => { if (self && self.length > LIMITS.arrayElements) memory("filled an array of " + self.length.toLocaleString("en") + " elements"); });
before(Array.prototype, "join", (self, args) => { if (self && self.length * (String(args[0] ?? ",").length + 1) > LIMITS.stringChars) memory("joined an array of " + self.length.toLocaleString("en") + " elements"); });
before(Array, "from", (self, args) => { if (args[0] && lengthOf(args[0].length) > LIMITS.arrayElements) memory("made an array of " + args[0].length.toLocaleString("en") + " elements"); });
before(String.prototype, "repeat", (self, args) => { if (String(self).length * lengthOf(Number(args[0])) > LIMITS.stringChars) memory("repeated a string to " + (String(self).length * Number(args[0])).toLocaleString("en") + " characters"); });
for (const pad of ["padStart", "padEnd"]) {
  before(String.prototype, pad, (self, args) => { if (lengthOf(Number(args[0])) > LIMITS.stringChars) memory("padded a string to " + Number(args[0]).toLocaleString("en") + " characters"); });
}
for (const method of ["match", "matchAll", "search"]) {
  before(String.prototype, method, (self, args) => { if (!(args[0] instanceof RealRegExp) && args[0] !== undefined) re(String(args[0])); });
}
before(RealRegExp.prototype, "compile", (self, args) => re(args[0] instanceof RealRegExp ? args[0] : String(args[0] ?? "")));

globalThis.fetch = (input) => refuse("it needs the network (fetch " + String(input && input.url ? input.url : input).slice(0, 120) + "), which the sandbox does not have");
if (globalThis.WebSocket) globalThis.WebSocket = function () { refuse("it needs the network (a WebSocket), which the sandbox does not have"); };
Object.defineProperty(globalThis, "caches", { get() { refuse("it uses the Cache API, which the sandbox does not have"); }, configurable: true });
const env = new Proxy({}, { get(_, key) { if (typeof key === "symbol") return undefined; refuse("it reads the environment variable " + String(key) + ", and the sandbox has none"); }, has() { return false; }, ownKeys() { return []; } });
globalThis.process = Object.freeze({
  env,
  platform: "sandbox",
  nextTick: (callback, ...args) => queueMicrotask(() => callback(...args)),
  exit: () => refuse("it calls process.exit"),
  getBuiltinModule: (name) => refuse("it loads the Node built-in " + String(name) + " at run time, which the sandbox does not grant"),
});
for (const name of ["env", ...LIMITS.hostNames]) {
  if (name in globalThis) continue;
  Object.defineProperty(globalThis, name, { get() { refuse("it reads the host's " + name + ", which the sandbox does not have"); }, configurable: false });
}

const log = console.log;
const keep = (prefix) => (...args) => {
  if (logged >= LIMITS.logLines) { dropped++; return; }
  logged++;
  log(...(prefix ? [prefix, ...args] : args));
};
console.log = keep("");
console.info = keep("");
console.debug = keep("");
console.warn = keep("[warn]");
console.error = keep("[error]");
console.trace = keep("[trace]");
console.table = keep("");
console.dir = keep("");
console.assert = (condition, ...message) => {
  if (condition) return;
  const text = message.length ? message.map(String).join(" ") : "console.assert";
  assertions.push(text.slice(0, 500));
  keep("Assertion failed:")(...message);
};

function settleLater(error) {
  if (!later) later = error;
}
globalThis.setTimeout = (callback, ms, ...args) => {
  pendingTimers++;
  return realSetTimeout(() => {
    pendingTimers--;
    try { typeof callback === "function" && callback(...args); } catch (error) { settleLater(error); }
  }, ms);
};
globalThis.clearTimeout = (id) => { realClearTimeout(id); };
globalThis.setInterval = (callback, ms, ...args) => {
  pendingTimers++;
  const id = realSetInterval(() => {
    try { t(); typeof callback === "function" && callback(...args); } catch (error) { settleLater(error); realClearInterval(id); }
  }, ms);
  return id;
};
globalThis.clearInterval = (id) => { pendingTimers--; realClearInterval(id); };
globalThis.addEventListener?.("unhandledrejection", (event) => { settleLater(event.reason); event.preventDefault?.(); });

Object.defineProperty(globalThis, "__sb", { value: Object.freeze({ t, m, re, cjs }), writable: false, configurable: false, enumerable: false });

function describe(error) {
  if (error === null || error === undefined || (typeof error !== "object" && typeof error !== "function")) {
    return { name: "thrown value", message: String(error), stack: "" };
  }
  let name = "Error", message = "", stack = "";
  try { name = String(error.name ?? error.constructor?.name ?? "Error"); } catch {}
  try { message = String(error.message ?? ""); } catch {}
  try { stack = String(error.stack ?? ""); } catch {}
  return { name: name.slice(0, 100), message: message.slice(0, 2000), stack: stack.slice(0, 4000) };
}

// Always valid JSON text: a value too long to show whole becomes the start of its text.
function preview(value) {
  if (value === undefined) return undefined;
  let text;
  try { text = JSON.stringify(value, (key, v) => (typeof v === "bigint" ? String(v) + "n" : v)); } catch {}
  if (text === undefined) text = JSON.stringify(String(value));
  return text.length > 2000 ? JSON.stringify(text.slice(0, 2000) + "…") : text;
}

/** Runs the loaded code, then lets its timers and rejected promises settle within the time budget. */
export async function run(load) {
  started = Date.now();
  let value, thrown = null, threw = false;
  try { value = await load(); } catch (error) { thrown = error; threw = true; }
  const wait = (ms) => new Promise((resolve) => realSetTimeout(resolve, ms));
  while (!stop && !threw && !later && pendingTimers > 0) {
    if (Date.now() - started > LIMITS.ms) { stop = { kind: "time", reason: "its timers were still pending after " + LIMITS.ms + " ms" }; break; }
    await wait(5);
  }
  // One more turn of the event loop: an unhandled rejection is reported after the microtasks ran.
  await wait(0);
  const error = threw ? thrown : later;
  return {
    stop,
    error: threw || later ? describe(error) : null,
    value: threw ? undefined : preview(value),
    assertions,
    dropped,
    steps,
  };
}
`;
