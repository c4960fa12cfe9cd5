// What kind of file a path is. Conventions of the common ecosystems, by name only: the rules
// that need a file's content read its patch themselves.

const basename = (path: string) => path.slice(path.lastIndexOf("/") + 1);

/** Files a package manager writes to pin resolved versions. */
const LOCKFILES = new Set([
  "package-lock.json",
  "npm-shrinkwrap.json",
  "yarn.lock",
  "pnpm-lock.yaml",
  "bun.lock",
  "bun.lockb",
  "deno.lock",
  "cargo.lock",
  "go.sum",
  "gemfile.lock",
  "poetry.lock",
  "pipfile.lock",
  "uv.lock",
  "pdm.lock",
  "composer.lock",
  "mix.lock",
  "pubspec.lock",
  "podfile.lock",
  "package.resolved",
  "packages.lock.json",
  "gradle.lockfile",
  "flake.lock",
  ".terraform.lock.hcl",
  "conan.lock",
]);

export function isLockfile(path: string): boolean {
  return LOCKFILES.has(basename(path).toLowerCase());
}

/** Output of a build or a code generator, by the names those tools give it. */
const GENERATED = [
  /\.min\.(js|css|mjs)$/i,
  /\.(js|css)\.map$/i,
  /\.pb\.(go|cc|h|ts|js)$/i,
  /_pb2(_grpc)?\.pyi?$/i,
  /_grpc\.pb\.go$/i,
  /\.(generated|gen)\.[a-z]+$/i,
  /\.g\.dart$|\.freezed\.dart$/i,
  /(^|\/)(__generated__|generated)\//i,
  /(^|\/)worker-configuration\.d\.ts$/, // `wrangler types`
];

export function isGeneratedPath(path: string): boolean {
  return GENERATED.some((pattern) => pattern.test(path));
}

/** A header generators write into their output ("Code generated … DO NOT EDIT.", "@generated"). */
export const GENERATED_MARKER = /\bDO NOT EDIT\b|@generated\b|\bauto-?generated\b|\bautomatically generated\b/i;

const TEST_PATTERNS = [
  /(^|\/)(tests?|__tests__|spec|specs|e2e|testing)\//i,
  /[._-](test|spec|e2e)\.[a-z0-9]+$/i, // foo.test.ts, foo_test.go, foo-spec.js
  /(^|\/)test_[^/]+\.py$/i,
  /(Tests?|Spec|IT)\.(java|kt|scala|cs|swift|groovy)$/, // FooTest.java, FooTests.cs
  /_spec\.rb$/i,
];

export function isTestFile(path: string): boolean {
  return TEST_PATTERNS.some((pattern) => pattern.test(path));
}

/** Extensions of code that tests would exercise. Markup, config and data are not. */
const SOURCE_EXTENSIONS = new Set([
  "ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs", "vue", "svelte",
  "py", "go", "rs", "java", "kt", "kts", "scala", "groovy", "cs", "fs", "vb",
  "rb", "php", "swift", "m", "mm", "c", "h", "cc", "cpp", "cxx", "hpp", "hh",
  "ex", "exs", "erl", "clj", "cljs", "hs", "ml", "dart", "lua", "pl", "r", "jl", "zig", "nim",
]);

export function isSourceFile(path: string): boolean {
  const name = basename(path);
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return false;
  if (name.endsWith(".d.ts")) return false; // declarations carry no behaviour to test
  return SOURCE_EXTENSIONS.has(name.slice(dot + 1).toLowerCase());
}

/** Database migrations and schema definitions, by where frameworks keep them. */
const MIGRATION_PATHS = [
  /(^|\/)(migrations?|migrate)\//i, // Rails db/migrate, Django, Knex, Flyway, D1, Prisma
  /(^|\/)alembic\/versions\//i,
  /(^|\/)db\/changelog\//i, // Liquibase
  /(^|\/)schema\.(prisma|rb|sql|graphql|gql)$/i,
  /(^|\/)structure\.sql$/i,
];

export function isMigrationPath(path: string): boolean {
  return MIGRATION_PATHS.some((pattern) => pattern.test(path));
}
