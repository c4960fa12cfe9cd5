// Markdown files are bundled as text (see [[rules]] in wrangler.toml).
declare module "*.md" {
  const text: string;
  export default text;
}

// Optional variables the Worker reads that wrangler.toml does not declare.
interface Env {
  /** Dev only: "true" lets the playground watch conversations over WebSocket. */
  readonly AGENT_INSPECTOR?: string;
  /** Turns the operator endpoints on (src/operator.ts): their bearer token. */
  readonly ADMIN_TOKEN?: string;
}
