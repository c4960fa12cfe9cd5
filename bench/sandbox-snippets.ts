// Twenty snippets of the kind bug reports carry (a crash, a wrong result, an assertion), for the
// sandbox benchmark: each is run as triage runs one, in a fresh isolate behind the guard.
export const SANDBOX_SNIPPETS: readonly string[] = [
  // A missing optional field.
  `function label(user) { return user.address.city.toUpperCase(); }\nconsole.log(label({ name: "Ada" }));`,
  // An email regex that refuses plus addresses.
  `import assert from "node:assert";\nconst EMAIL = /^[a-z0-9._-]+@[a-z0-9-]+\\.[a-z]{2,}$/i;\nassert.ok(EMAIL.test("jane+news@example.com"), "plus address rejected");`,
  // Day 0 of a zero-based month.
  `const daysInMonth = (y, m) => new Date(y, m, 0).getDate();\nconsole.assert(daysInMonth(2024, 1) === 29, "February 2024: " + daysInMonth(2024, 1));`,
  // Sorting numbers as strings.
  `const sorted = [10, 9, 1, 100].sort();\nconsole.log(sorted.join(","));\nconsole.assert(sorted[0] === 1, "sorted as strings: " + sorted);`,
  // Floating point money.
  `const total = [0.1, 0.2, 0.3].reduce((sum, price) => sum + price, 0);\nconsole.log(total);\nif (total !== 0.6) throw new Error("total is " + total);`,
  // JSON.parse on an empty body.
  `function parse(body) { return JSON.parse(body); }\nparse("");`,
  // An async function whose rejection nobody awaits.
  `async function load(id) { if (id < 0) throw new RangeError("bad id " + id); return { id }; }\nload(-1);`,
  // Mutating an array while iterating over it.
  `const items = [1, 2, 3, 4];\nfor (const [i, item] of items.entries()) if (item % 2 === 0) items.splice(i, 1);\nconsole.log(items);`,
  // parseInt with a map callback's index as radix.
  `const parsed = ["10", "10", "10"].map(parseInt);\nconsole.log(parsed);\nconsole.assert(parsed[1] === 10, "got " + parsed);`,
  // this lost in a callback.
  `class Counter { constructor() { this.n = 0; } inc() { this.n++; } }\nconst c = new Counter();\n[1, 2].forEach(c.inc);`,
  // A Map keyed by objects looked up with an equal copy.
  `const cache = new Map([[{ id: 1 }, "one"]]);\nconsole.log(cache.get({ id: 1 }) ?? "missing");`,
  // Date parsing of a date-only string in UTC.
  `const d = new Date("2024-03-10");\nconsole.log(d.getUTCDate(), d.toISOString());`,
  // A URL with an encoded space.
  `const url = new URL("https://example.com/search?q=a%20b&page=2");\nconsole.log(url.searchParams.get("q"), Number(url.searchParams.get("page")) + 1);`,
  // Deep equality of nested objects.
  `import assert from "node:assert";\nassert.deepStrictEqual({ a: [1, { b: 2 }] }, { a: [1, { b: "2" }] });`,
  // String padding for a table.
  `const rows = [["id", "name"], [1, "Ada"], [22, "Grace"]];\nfor (const [id, name] of rows) console.log(String(id).padStart(4), name.padEnd(8), "|");`,
  // Recursion on a tree.
  `const tree = { value: 1, children: [{ value: 2, children: [] }, { value: 3, children: [{ value: 4 }] }] };\nconst sum = (node) => node.value + node.children.reduce((s, c) => s + sum(c), 0);\nconsole.log(sum(tree));`,
  // A class getter that throws.
  `class Temperature { constructor(c) { this.c = c; } get f() { if (this.c == null) throw new TypeError("no reading"); return this.c * 9 / 5 + 32; } }\nconsole.log(new Temperature(20).f, new Temperature().f);`,
  // Promise.all with one failure.
  `const wait = (ms, fail) => new Promise((resolve, reject) => setTimeout(() => (fail ? reject(new Error("timeout")) : resolve(ms)), ms));\nconsole.log(await Promise.all([wait(1), wait(2, true)]));`,
  // Number formatting.
  `const price = 1234.5;\nconsole.log(price.toFixed(2), new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(price));`,
  // A Set of strings with different case.
  `const tags = new Set(["Bug", "bug", "BUG"].map((t) => t.trim()));\nconsole.log(tags.size);\nconsole.assert(tags.size === 1, "tags differ by case: " + [...tags]);`,
];
