// Mutated platform payloads for the ingress fuzz suite: one field of a real payload changed the
// way a broken or hostile sender would change it, serialized to the exact bytes that get signed.
import fc from "fast-check";
import { concatBytes } from "../../src/crypto.ts";

export type Path = readonly (string | number)[];

export type Mutation =
  /** A value of another JSON type. */
  | { kind: "retype"; value: unknown }
  | { kind: "remove" }
  | { kind: "null" }
  /** A string or array far larger than any platform sends (the body stays under the 1 MiB cap). */
  | { kind: "huge"; of: "string" | "numbers" | "objects"; length: number }
  /** Arrays nested `depth` deep, written as raw JSON: building them as values would overflow our own stack. */
  | { kind: "nested"; depth: number }
  /** A string holding bytes that are not UTF-8, written raw inside the JSON string. */
  | { kind: "invalid-utf8"; bytes: readonly number[] }
  /** A number outside what the field can mean, or a number-like string (Slack's timestamps are strings). */
  | { kind: "out-of-range"; raw: string }
  /** A string that means something to a regular expression, a URL or a template. */
  | { kind: "hostile-string"; value: string };

/** Every path to a value in `value`, the root excluded, parents before children. */
export function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== "object" || value === null) return [];
  const entries = Array.isArray(value) ? value.map((item, index) => [index, item] as const) : Object.entries(value);
  return entries.flatMap(([key, item]) => {
    const path = [...prefix, key];
    return [path, ...pathsOf(item, path)];
  });
}

const INVALID_UTF8: readonly (readonly number[])[] = [
  [0xff],
  [0xc3], // a lead byte with no continuation
  [0x80, 0x80], // continuation bytes alone
  [0xed, 0xa0, 0x80], // an encoded UTF-16 surrogate
  [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
  [0xe2, 0x82], // a truncated three-byte sequence
];

const OUT_OF_RANGE = ["1e308", "-1e308", "1e400", "-1", "0", "9007199254740993", "1.5", "-0", '"1e20"', '"99999999999999"', '"-1"', '"NaN"', '"Infinity"', '""'];

const HOSTILE = ["(a+)+b", "(", "[", "\\", "$&", "${x}", "__proto__", "constructor", "<@U0SWITCHBOT>", "<!channel>", "\u0000", "\ud800", "\u202e", "a".repeat(300)];

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constantFrom<unknown>(0, 42, -7.5, true, false, "", "x", [], [1, "a"], {}, { a: 1 }).map((value): Mutation => ({ kind: "retype", value })),
  fc.constant<Mutation>({ kind: "remove" }),
  fc.constant<Mutation>({ kind: "null" }),
  fc.constantFrom<Mutation>({ kind: "huge", of: "string", length: 200_000 }, { kind: "huge", of: "numbers", length: 20_000 }, { kind: "huge", of: "objects", length: 2_000 }),
  fc.constantFrom(100, 10_000, 100_000).map((depth): Mutation => ({ kind: "nested", depth })),
  fc.constantFrom(...INVALID_UTF8).map((bytes): Mutation => ({ kind: "invalid-utf8", bytes })),
  fc.constantFrom(...OUT_OF_RANGE).map((raw): Mutation => ({ kind: "out-of-range", raw })),
  fc.constantFrom(...HOSTILE).map((value): Mutation => ({ kind: "hostile-string", value })),
);

function hugeValue(change: Extract<Mutation, { kind: "huge" }>): unknown {
  if (change.of === "string") return "x".repeat(change.length);
  return Array.from({ length: change.length }, (_, i) => (change.of === "numbers" ? i : { a: "b" }));
}

/** Stands for a raw JSON fragment until the payload is serialized. */
const MARKER = "\u0001switchboard-fuzz-marker\u0001";
const encoder = new TextEncoder();

/**
 * `payload` with the value at `path` mutated, as the exact bytes a sender would post. Raw
 * fragments (deep nesting, bytes that are not UTF-8, numbers JSON.stringify cannot write) are
 * spliced in for a marker after serializing.
 */
export function mutatedJson(payload: unknown, path: Path, change: Mutation): Uint8Array {
  const copy = structuredClone(payload) as Record<string | number, unknown>;
  const parent = path.slice(0, -1).reduce<Record<string | number, unknown>>((node, key) => node[key] as Record<string | number, unknown>, copy);
  const key = path[path.length - 1]!;
  let raw: Uint8Array | undefined;
  switch (change.kind) {
    case "remove":
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
      break;
    case "null":
      parent[key] = null;
      break;
    case "retype":
    case "hostile-string":
      parent[key] = change.value;
      break;
    case "huge":
      parent[key] = hugeValue(change);
      break;
    case "nested":
      parent[key] = MARKER;
      raw = encoder.encode("[".repeat(change.depth) + "]".repeat(change.depth));
      break;
    case "invalid-utf8":
      parent[key] = MARKER;
      raw = Uint8Array.from([0x22, 0x61, ...change.bytes, 0x62, 0x22]); // "a…b"
      break;
    case "out-of-range":
      parent[key] = MARKER;
      raw = encoder.encode(change.raw);
      break;
  }
  const text = JSON.stringify(copy);
  if (!raw) return encoder.encode(text);
  const [before, after] = text.split(JSON.stringify(MARKER)) as [string, string];
  return concatBytes(encoder.encode(before), raw, encoder.encode(after));
}

/**
 * A form body (Slack's slash commands) with field `name` mutated. Form values are text, so a
 * mutation becomes the text a sender could put there: JSON for other types, empty for null.
 */
export function mutatedForm(fields: Record<string, string>, name: string, change: Mutation): Uint8Array {
  const others = Object.entries(fields).filter(([field]) => field !== name);
  const rest = encoder.encode(new URLSearchParams(others).toString());
  if (change.kind === "remove") return rest;
  return concatBytes(rest, encoder.encode(`&${encodeURIComponent(name)}=`), percentEncode(formValue(change)));
}

function formValue(change: Exclude<Mutation, { kind: "remove" }>): Uint8Array {
  switch (change.kind) {
    case "null":
      return new Uint8Array();
    case "retype":
    case "hostile-string":
      return encoder.encode(typeof change.value === "string" ? change.value : JSON.stringify(change.value));
    case "huge": {
      const value = hugeValue(change);
      return encoder.encode(typeof value === "string" ? value : JSON.stringify(value));
    }
    case "nested":
      return encoder.encode("[".repeat(change.depth) + "]".repeat(change.depth));
    case "invalid-utf8":
      return Uint8Array.from([0x61, ...change.bytes, 0x62]);
    case "out-of-range":
      return encoder.encode(change.raw);
  }
}

/** An interactivity body: the JSON payload, mutated, as the `payload` field of a form. */
export function formWithJsonPayload(json: Uint8Array): Uint8Array {
  return concatBytes(encoder.encode("payload="), percentEncode(json));
}

function percentEncode(bytes: Uint8Array): Uint8Array {
  let out = "";
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9*._-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return encoder.encode(out);
}

/** "event.ts" for ["event", "ts"]: how the ingress names a field in a 400. */
export const dotted = (path: Path): string => path.join(".");
