/**
 * A horizontal bar chart as hand-written SVG (no dependencies): columns of
 * panels, one panel per workload, one bar per contender. Each panel has its
 * own linear scale (its longest bar spans the width) and every bar carries
 * its number, so panels whose rates differ a hundredfold stay readable.
 * "ceiling" bars do not set the scale: one that would be longer than the
 * longest real server's is drawn broken at the edge.
 */

export type BarKind = "ours" | "oursAlt" | "other" | "ceiling";

export interface Bar {
  label: string;
  /** NaN: not measured (drawn as a note instead of a bar). */
  value: number;
  /** The text after the bar ("12,345 req/s"). */
  text: string;
  kind: BarKind;
}

export interface Panel {
  title: string;
  bars: Bar[];
}

export interface Column {
  heading: string;
  panels: Panel[];
}

export interface ChartOptions {
  title: string;
  /** Lines under the title (date, commit, machine, tool). */
  subtitle: string[];
  columns: Column[];
  /** Legend entries, in order. */
  legend: Array<{ kind: BarKind; label: string }>;
}

const COLORS: Record<BarKind, string> = {
  ours: "#1f6feb",
  oursAlt: "#7fb2f0",
  other: "#8b949e",
  ceiling: "#d0d7de",
};

const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
const LABEL_W = 215;
const BAR_W = 240;
const VALUE_W = 150;
const COL_W = LABEL_W + BAR_W + VALUE_W;
const COL_GAP = 30;
const MARGIN = 20;
const ROW = 20;
const BAR_H = 14;

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function panelHeight(p: Panel): number {
  return 22 + p.bars.length * ROW + 16;
}

/** The SVG document. */
export function barChart(opts: ChartOptions): string {
  const out: string[] = [];
  const legendY = MARGIN + 16 + opts.subtitle.length * 16 + 24;
  const headerH = legendY + 16;
  const colHeights = opts.columns.map((c) => 28 + c.panels.reduce((s, p) => s + panelHeight(p), 0));
  const width = Math.max(960, MARGIN * 2 + opts.columns.length * COL_W + (opts.columns.length - 1) * COL_GAP);
  const height = headerH + Math.max(0, ...colHeights) + MARGIN;

  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${esc(FONT)}" font-size="12">`,
  );
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  let y = MARGIN + 16;
  out.push(`<text x="${MARGIN}" y="${y}" font-size="17" font-weight="bold" fill="#1f2328">${esc(opts.title)}</text>`);
  for (const line of opts.subtitle) {
    y += 16;
    out.push(`<text x="${MARGIN}" y="${y}" fill="#57606a">${esc(line)}</text>`);
  }
  // Legend.
  y = legendY;
  let x = MARGIN;
  for (const item of opts.legend) {
    out.push(`<rect x="${x}" y="${y - 10}" width="12" height="12" fill="${COLORS[item.kind]}"/>`);
    out.push(`<text x="${x + 17}" y="${y}" fill="#1f2328">${esc(item.label)}</text>`);
    x += 17 + item.label.length * 6.6 + 22;
  }

  opts.columns.forEach((col, ci) => {
    const x0 = MARGIN + ci * (COL_W + COL_GAP);
    let cy = headerH + 14;
    out.push(`<text x="${x0}" y="${cy}" font-size="15" font-weight="bold" fill="#1f2328">${esc(col.heading)}</text>`);
    out.push(`<line x1="${x0}" y1="${cy + 6}" x2="${x0 + COL_W}" y2="${cy + 6}" stroke="#d0d7de"/>`);
    cy += 14;
    for (const panel of col.panels) {
      cy += 18;
      out.push(`<text x="${x0}" y="${cy}" font-weight="bold" fill="#1f2328">${esc(panel.title)}</text>`);
      cy += 4;
      const values = (bars: Bar[]): number[] => bars.map((b) => (Number.isFinite(b.value) ? b.value : 0));
      const real = panel.bars.filter((b) => b.kind !== "ceiling");
      const max = Math.max(0, ...values(real.length ? real : panel.bars));
      for (const bar of panel.bars) {
        const top = cy + (ROW - BAR_H) / 2;
        const mid = cy + ROW / 2 + 4;
        out.push(`<text x="${x0 + LABEL_W - 8}" y="${mid}" text-anchor="end" fill="#1f2328">${esc(bar.label)}</text>`);
        if (Number.isFinite(bar.value) && max > 0) {
          const broken = bar.value > max * 1.02;
          const w = broken ? BAR_W + 14 : Math.max(1, (bar.value / max) * BAR_W);
          const stroke = bar.kind === "ceiling" ? ` stroke="#8b949e" stroke-dasharray="3 2"` : "";
          out.push(`<rect x="${x0 + LABEL_W}" y="${top}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${COLORS[bar.kind]}"${stroke}/>`);
          if (broken) {
            // A break: the bar is longer than the scale.
            const bx = x0 + LABEL_W + BAR_W - 2;
            out.push(`<path d="M${bx} ${top + BAR_H + 1} l6 ${-BAR_H - 2} M${bx + 5} ${top + BAR_H + 1} l6 ${-BAR_H - 2}" stroke="#ffffff" stroke-width="2.5"/>`);
          }
          out.push(`<text x="${x0 + LABEL_W + w + 6}" y="${mid}" fill="#1f2328">${esc(bar.text)}</text>`);
        } else {
          out.push(`<text x="${x0 + LABEL_W + 2}" y="${mid}" fill="#57606a" font-style="italic">${esc(bar.text)}</text>`);
        }
        cy += ROW;
      }
      cy += 12;
    }
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}
