// bench/results/latest.svg: per conversation set, accepted events/s and ack latency (p50, p99,
// log scale) at each offered rate, ours vs the ceiling vs the peer. Hand-written SVG, no deps.
import type { LoadResult } from "./load.ts";

type Point = { ceiling: LoadResult; ours: LoadResult; peer: LoadResult };
const SYSTEMS = [
  { key: "ceiling", label: "ceiling (same Worker, stores nothing)", color: "#9aa0a6" },
  { key: "ours", label: "Switchboard (durable accept)", color: "#1a73e8" },
  { key: "peer", label: "Chat SDK peer (memory state, Node)", color: "#e8710a" },
] as const;

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

export function chart(results: Record<string, unknown>): string {
  const ack = (results.ack ?? {}) as Record<string, Point>;
  const sets = [...new Set(Object.keys(ack).map((k) => k.split("/")[0]!))];
  const labels = [...new Set(Object.keys(ack).map((k) => k.split("/")[1]!))];
  const panelW = 420;
  const panelH = 220;
  const marginL = 60;
  const top = 70;
  const rowH = panelH + 80;
  const width = marginL + 2 * (panelW + 70);
  const height = top + sets.length * rowH + 40;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="11">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="${marginL}" y="22" font-size="15" font-weight="bold">npm run bench: ingress ack path, signed Slack app_mention events (${esc(String(results.date ?? ""))})</text>`);
  SYSTEMS.forEach((s, i) => {
    out.push(`<rect x="${marginL + i * 250}" y="36" width="12" height="12" fill="${s.color}"/>`);
    out.push(`<text x="${marginL + i * 250 + 16}" y="46">${esc(s.label)}</text>`);
  });
  sets.forEach((set, row) => {
    const y0 = top + row * rowH + 20;
    const points = labels.map((label) => ack[`${set}/${label}`]).filter((p): p is Point => p !== undefined);
    // Throughput panel (linear).
    const maxT = Math.max(1, ...points.flatMap((p) => SYSTEMS.map((s) => p[s.key].throughput)));
    const scaleT = niceCeil(maxT);
    const x0 = marginL;
    panelFrame(out, x0, y0, panelW, panelH, `${set} conversations: accepted events/s per offered rate`);
    for (let t = 0; t <= 4; t++) {
      const v = (scaleT * t) / 4;
      const y = y0 + panelH - (panelH * t) / 4;
      out.push(`<line x1="${x0}" x2="${x0 + panelW}" y1="${y}" y2="${y}" stroke="#eee"/><text x="${x0 - 6}" y="${y + 4}" text-anchor="end">${v.toFixed(0)}</text>`);
    }
    const groupW = panelW / labels.length;
    const barW = (groupW - 20) / SYSTEMS.length;
    labels.forEach((label, g) => {
      const p = ack[`${set}/${label}`];
      out.push(`<text x="${x0 + g * groupW + groupW / 2}" y="${y0 + panelH + 16}" text-anchor="middle">${label === "saturation" ? "saturation" : `${label}/s`}</text>`);
      if (!p) return;
      SYSTEMS.forEach((s, i) => {
        const v = p[s.key].throughput;
        const h = (panelH * v) / scaleT;
        const x = x0 + g * groupW + 10 + i * barW;
        out.push(`<rect x="${x}" y="${y0 + panelH - h}" width="${barW - 2}" height="${h}" fill="${s.color}"><title>${esc(`${s.key} @${label}: ${v.toFixed(1)} ev/s`)}</title></rect>`);
        out.push(`<text x="${x + barW / 2 - 1}" y="${y0 + panelH - h - 3}" text-anchor="middle" font-size="9">${v.toFixed(0)}</text>`);
      });
    });
    // Latency panel (log scale, p50 as a filled bar, p99 as a line above it).
    const x1 = marginL + panelW + 70;
    panelFrame(out, x1, y0, panelW, panelH, `${set} conversations: ack latency p50 (bar) and p99 (tick), ms, log scale`);
    const all = points.flatMap((p) => SYSTEMS.flatMap((s) => [p[s.key].p50, p[s.key].p99])).filter((v) => Number.isFinite(v) && v > 0);
    const lo = 10 ** Math.floor(Math.log10(Math.max(0.1, Math.min(...all, 1))));
    const hi = 10 ** Math.ceil(Math.log10(Math.max(...all, 10)));
    const ly = (v: number) => y0 + panelH - (panelH * (Math.log10(Math.max(v, lo)) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo));
    for (let d = lo; d <= hi; d *= 10) {
      out.push(`<line x1="${x1}" x2="${x1 + panelW}" y1="${ly(d)}" y2="${ly(d)}" stroke="#eee"/><text x="${x1 - 6}" y="${ly(d) + 4}" text-anchor="end">${d >= 1 ? d.toFixed(0) : d}</text>`);
    }
    labels.forEach((label, g) => {
      const p = ack[`${set}/${label}`];
      out.push(`<text x="${x1 + g * groupW + groupW / 2}" y="${y0 + panelH + 16}" text-anchor="middle">${label === "saturation" ? "saturation" : `${label}/s`}</text>`);
      if (!p) return;
      SYSTEMS.forEach((s, i) => {
        const { p50, p99 } = p[s.key];
        const x = x1 + g * groupW + 10 + i * barW;
        if (Number.isFinite(p50)) out.push(`<rect x="${x}" y="${ly(p50)}" width="${barW - 2}" height="${y0 + panelH - ly(p50)}" fill="${s.color}" opacity="0.85"><title>${esc(`${s.key} @${label}: p50 ${p50.toFixed(1)} ms`)}</title></rect>`);
        if (Number.isFinite(p99)) {
          out.push(`<line x1="${x}" x2="${x + barW - 2}" y1="${ly(p99)}" y2="${ly(p99)}" stroke="${s.color}" stroke-width="3"><title>${esc(`${s.key} @${label}: p99 ${p99.toFixed(1)} ms`)}</title></line>`);
          out.push(`<line x1="${x + barW / 2 - 1}" x2="${x + barW / 2 - 1}" y1="${ly(p99)}" y2="${ly(p50)}" stroke="${s.color}" stroke-dasharray="2,2"/>`);
        }
      });
    });
  });
  out.push(`</svg>`);
  return `${out.join("\n")}\n`;
}

function panelFrame(out: string[], x: number, y: number, w: number, h: number, title: string): void {
  out.push(`<text x="${x}" y="${y - 8}" font-weight="bold">${esc(title)}</text>`);
  out.push(`<line x1="${x}" x2="${x}" y1="${y}" y2="${y + h}" stroke="#333"/><line x1="${x}" x2="${x + w}" y1="${y + h}" y2="${y + h}" stroke="#333"/>`);
}

function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
