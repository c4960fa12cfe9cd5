/**
 * Structured one-line logs. Callers pass identifiers (conversation key, dedupe id, counts),
 * never payloads or secrets.
 */
export function log(message: string, fields: Record<string, string | number | boolean | undefined> = {}): void {
  console.log(JSON.stringify({ msg: message, ...fields }));
}
