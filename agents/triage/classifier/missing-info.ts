/**
 * Heuristic "what is this bug report missing?" detector. Pure TS (runs in workerd).
 * Meant for issues classified as bugs; the bot can ask the reporter for the missing items.
 */
import { MAX_BODY_CHARS, MAX_TITLE_CHARS, parseBody } from "./features.ts";

export type MissingInfo = "reproduction steps" | "version" | "expected vs actual behaviour";

type Section = { heading: string; content: string };

const HEADING_LINE_RE = /^[ \t]{0,3}(?:#{1,6}[ \t]+([^\n]{1,100})|\*\*([^\n*]{1,100})\*\*[ \t]*:?[ \t]*)$/;

/** Split prose into (heading, content) sections; text before the first heading has heading "". */
function sections(prose: string): Section[] {
  const out: Section[] = [{ heading: "", content: "" }];
  for (const line of prose.split("\n")) {
    const m = HEADING_LINE_RE.exec(line);
    if (m) {
      const h = (m[1] ?? m[2] ?? "").toLowerCase().replace(/[#*_:`]/g, " ").replace(/\s+/g, " ").trim();
      out.push({ heading: h, content: "" });
    } else {
      out[out.length - 1]!.content += line + "\n";
    }
  }
  return out;
}

/** A section counts only if it has real content (not empty, not "N/A", not "_No response_"). */
function hasContent(s: string): boolean {
  const t = s.replace(/_no response_/gi, "").replace(/\b(?:n\/?a|none|no|-)\b/gi, "").trim();
  return (t.match(/[\p{L}\p{N}]/gu) ?? []).length >= 8;
}

const STEPS_HEADING_RE = /steps? to reproduce|repro(?:duction)? steps|to reproduce|how to reproduce|reproduc|code to reproduce|minimal (?:example|repro)|^steps?\b/;
const EXPECTED_HEADING_RE = /expected (?:behaviou?r|result|outcome|output)|what (?:is|was) the expected|what did you expect|^expected\b/;
const ACTUAL_HEADING_RE = /(?:actual|current|observed) (?:behaviou?r|result|outcome|output)|what (?:is|was) the current|what happened|^actual\b|^current behaviou?r/;

const STEPS_TEXT_RE = /\b(?:steps? to reproduce|to reproduce|repro steps|repro:|reproduc(?:e|ible|tion) (?:it|this|the|with|by|using|code|example)|minimal (?:example|code|repro\w*|reproducible)|run the following|here is (?:the|a|my) code|sample code|code snippet)\b/i;
const REPRO_LINK_RE = /\b(?:codesandbox\.io|jsfiddle\.net|stackblitz\.com|codepen\.io|colab\.research\.google\.com|gist\.github\.com|repl\.it|replit\.com)\b/i;
const NUMBERED_RE = /^[ \t]*1[.)][ \t]+\S[^\n]*\n(?:[^\n]*\n){0,12}?[ \t]*2[.)][ \t]+\S/m;

const VERSION_RES: readonly RegExp[] = [
  /\bv?\d{1,4}\.\d{1,4}(?:\.\d{1,6})?(?:[-+][0-9A-Za-z.-]{1,30})?\b/, // semver-ish: 4.8.0, v1.2, 22.04
  /\bversion\s*[:=#]?\s*v?\d/i, // "version: 3", "Version 17"
  /\b(?:commit|sha|hash|build)\b[^\n]{0,20}\b[0-9a-f]{7,40}\b/i, // commit hashes
  /\b(?:windows|win|macos|mac os|os x|osx|ios|ipados|android|ubuntu|debian|fedora|centos|chrome|chromium|firefox|safari|edge|node(?:\.?js)?|python|java|jdk|gcc|clang|msvc|cuda|react|opencv|tensorflow|tf|vs ?code|electron|bitcoin core)[ \t]*v?\d{1,4}\b/i,
  /\b(?:latest|nightly|master|main) (?:version|release|build|branch|commit)\b/i,
];
const EXPECTED_TEXT_RE = /\b(?:expected|i expect|expecting|would expect|should (?:be|have|show|return|work|not|display|open|print|run|stay|keep)|supposed to|ought to|i want(?:ed)? it to)\b/i;
const ACTUAL_TEXT_RE = /\b(?:actual(?:ly)?|instead|but (?:it|got|get|i get|i got|the|nothing|now)|currently|what happened|observed|results? in|i (?:get|got|see|saw)|it (?:shows|returns|throws|crashes|fails|hangs|freezes|prints|displays))\b/i;

/**
 * Return the pieces of information a bug report lacks (in a fixed order), [] if complete.
 */
export function detectMissingInfo({ title, body }: { title: string; body?: string | null }): MissingInfo[] {
  const t = (title ?? "").slice(0, MAX_TITLE_CHARS);
  const raw = (body ?? "").slice(0, MAX_BODY_CHARS);
  const parsed = parseBody(raw);
  const secs = sections(parsed.prose);
  const filled = secs.filter((s) => s.heading === "" || hasContent(s.content));
  const sectionWith = (re: RegExp) => filled.some((s) => s.heading !== "" && re.test(s.heading));
  const prose = filled.map((s) => s.content).join("\n");
  const missing: MissingInfo[] = [];

  const hasSteps =
    sectionWith(STEPS_HEADING_RE) ||
    NUMBERED_RE.test(prose) ||
    STEPS_TEXT_RE.test(prose) ||
    REPRO_LINK_RE.test(raw) ||
    (parsed.info.codeBlocks > 0 && !parsed.info.stackTrace && parsed.code.trim().length >= 20) ||
    (parsed.info.codeBlocks > 1 && parsed.code.trim().length >= 20);
  if (!hasSteps) missing.push("reproduction steps");

  const versionText = `${t}\n${parsed.prose}\n${parsed.code.slice(0, 4000)}`;
  const hasVersion = VERSION_RES.some((re) => re.test(versionText));
  if (!hasVersion) missing.push("version");

  const hasExpected = sectionWith(EXPECTED_HEADING_RE) || EXPECTED_TEXT_RE.test(prose);
  const hasActual =
    sectionWith(ACTUAL_HEADING_RE) || ACTUAL_TEXT_RE.test(prose) || parsed.info.stackTrace || parsed.info.errorLine;
  if (!(hasExpected && hasActual)) missing.push("expected vs actual behaviour");

  return missing;
}
