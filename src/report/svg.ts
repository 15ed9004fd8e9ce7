import { escapeXml } from '../render/escape.js';
import { isDecidedNotToSend } from '../domain/obligation.js';
import type { ReportData, ReportObligation } from './data.js';
import { duration, utc } from './format.js';

/**
 * The timeline as an inline SVG: the phases as bands along a time axis, then one row per notice
 * from its clock start to its deadline, with a deadline marker and a sent marker. Meaning is carried
 * by shape and words (a filled circle is "sent on time", a cross "sent late", a dashed line "not
 * sent"; every row says met, late or open in text), never by colour alone. Every value is
 * escaped with escapeXml; the markup is built here and placed by the HTML document's figure marker.
 */

const W = 900;
const LEFT = 150;
/** A column on the right for each row's words (met, late, open…), so they never collide with marks. */
const WORDS = 200;
const PLOT = W - LEFT - WORDS - 12;
const PLOT_END = LEFT + PLOT;
const LEGEND_Y = 18;
const LABEL_ROW = 15;
const BAND_H = 30;
const ROW_H = 30;
const FONT = 15;
const CHAR = FONT * 0.53;

const COLOUR = { met: '#1b5e20', late: '#a00020', open: '#7a4a00', axis: '#444', grid: '#ddd', text: '#111' };
const PHASE_FILL = ['#dbe7f3', '#e8e0f0', '#f6e3cf', '#e2efd9', '#d9eeee', '#eeeeee'];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TICK_DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const STEPS = [15 * 60_000, 30 * 60_000, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 90 * DAY];

const n = (x: number) => String(Math.round(x * 10) / 10);
const textWidth = (s: string) => s.length * CHAR;

function truncate(s: string, width: number): string {
  const max = Math.max(1, Math.floor(width / CHAR));
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

type Kind = 'met' | 'late' | 'open' | 'waived';
function kindOf(o: ReportObligation): Kind {
  // A duty decided not applicable is drawn like a waiver: settled by a decision, not sent.
  return o.status === 'met' ? 'met' : o.status === 'late' ? 'late' : isDecidedNotToSend(o.status) ? 'waived' : 'open';
}

/** Short words for a row: "met, 20 h before", "late by 3 h 10 min", "open, due in 5 h", "overdue by 2 h". */
export function rowWords(o: ReportObligation, now: string): string {
  const dl = o.deadline ? Date.parse(o.deadline) : null;
  switch (o.status) {
    case 'met': {
      const margin = dl === null ? null : dl - Date.parse(o.sent_at!);
      return margin === null ? 'met' : margin >= 0 ? `met, ${duration(margin)} before` : `met, ${duration(-margin)} after target`;
    }
    case 'late':
      return `late by ${duration(Date.parse(o.sent_at!) - dl!)}`;
    case 'waived':
      return o.waiver?.override ? 'waived (override)' : 'waived';
    case 'not_applicable':
      return 'not applicable';
    case 'overdue':
      return `open, overdue by ${duration(Date.parse(now) - dl!)}`;
    case 'not_started':
      return 'open, clock not started';
    default:
      return dl === null ? 'open' : `open, due in ${duration(dl - Date.parse(now))}`;
  }
}

function diamond(x: number, y: number, r: number, filled: boolean, colour: string): string {
  return `<path d="M${n(x)} ${n(y - r)} L${n(x + r)} ${n(y)} L${n(x)} ${n(y + r)} L${n(x - r)} ${n(y)} Z" fill="${filled ? colour : '#fff'}" stroke="${colour}" stroke-width="1.5"/>`;
}

function cross(x: number, y: number, r: number, colour: string): string {
  return `<path d="M${n(x - r)} ${n(y - r)} L${n(x + r)} ${n(y + r)} M${n(x - r)} ${n(y + r)} L${n(x + r)} ${n(y - r)}" stroke="${colour}" stroke-width="2.5" fill="none"/>`;
}

function circle(x: number, y: number, r: number, colour: string): string {
  return `<circle cx="${n(x)}" cy="${n(y)}" r="${r}" fill="${colour}" stroke="#fff" stroke-width="1"/>`;
}

function label(x: number, y: number, s: string, opts: { anchor?: 'start' | 'middle' | 'end'; weight?: 'bold'; size?: number; colour?: string } = {}): string {
  return `<text x="${n(x)}" y="${n(y)}"${opts.anchor && opts.anchor !== 'start' ? ` text-anchor="${opts.anchor}"` : ''}${opts.weight ? ' font-weight="bold"' : ''}${opts.size ? ` font-size="${opts.size}"` : ''} fill="${opts.colour ?? COLOUR.text}">${escapeXml(s)}</text>`;
}

function tickLabel(t: number, step: number): string {
  // "5 Mar" (and "5 Mar 09:00" when ticks are hours apart): never the ambiguous "03-05".
  const d = new Date(t);
  const day = TICK_DAY.format(d);
  return step < DAY ? `${day} ${d.toISOString().slice(11, 16)}` : day;
}

/** A one-paragraph text equivalent, for <desc> (screen readers, and anyone without the picture). */
export function timelineDescription(d: ReportData): string {
  const phases = d.phases
    .filter((s) => s.phase !== 'closed')
    .map((s) => `${s.phase} from ${utc(s.at)}${s.until ? ` for ${duration(Date.parse(s.until) - Date.parse(s.at))}` : ' (current)'}`);
  const notices = d.obligations.map((o) => `${o.id}: ${rowWords(o, d.now)}${o.deadline ? ` (${o.deadline_kind === 'target' ? 'target' : 'due'} ${utc(o.deadline)})` : ''}`);
  return `Phases: ${phases.join('; ')}${d.incident.closed_at ? `; closed ${utc(d.incident.closed_at)}` : ''}. ${notices.length ? `Notices: ${notices.join('; ')}.` : 'No notice is known to be required so far.'}`;
}

export function timelineSvg(d: ReportData): string {
  const now = Date.parse(d.now);
  const end = d.incident.closed_at ? Date.parse(d.incident.closed_at) : now;
  const times: number[] = [Date.parse(d.incident.opened_at), end, ...d.phases.map((s) => Date.parse(s.at))];
  for (const o of d.obligations) for (const t of [o.clock_start, o.deadline, o.sent_at]) if (t) times.push(Date.parse(t));
  let t0 = Math.min(...times);
  let t1 = Math.max(...times);
  if (t1 - t0 < HOUR) t1 = t0 + HOUR;
  const pad = (t1 - t0) * 0.03;
  t0 -= pad;
  t1 += pad;
  const x = (t: number) => LEFT + ((t - t0) / (t1 - t0)) * PLOT;

  // Phase labels: inside the band when they fit, else above it on the first free level (greedy,
  // left to right), with a leader line down to the phase's start.
  const bands = d.phases
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => s.phase !== 'closed')
    .map(({ s, i }) => {
      const a = x(Date.parse(s.at));
      const b = x(s.until ? Date.parse(s.until) : end);
      const words = s.via === 'reopen' ? `${s.phase} (again)` : s.phase;
      return { s, i, a, w: Math.max(b - a, 1), words, inside: Math.max(b - a, 1) - 8 >= textWidth(words) };
    });
  const levels: number[] = [];
  const above = new Map<number, { lx: number; level: number }>();
  for (const band of bands.filter((b) => !b.inside)) {
    let level = levels.findIndex((lastEnd) => lastEnd + 8 <= band.a);
    if (level === -1 && levels.length < 3) level = levels.push(-Infinity) - 1;
    if (level === -1) level = levels.indexOf(Math.min(...levels));
    const lx = Math.max(band.a, levels[level]! + 8);
    levels[level] = lx + textWidth(band.words);
    above.set(band.i, { lx, level });
  }
  const BAND_Y = LEGEND_Y + 16 + levels.length * LABEL_ROW;
  const AXIS_Y = BAND_Y + BAND_H;
  const ROWS_Y = AXIS_Y + 30;

  const rows = d.obligations;
  const H = ROWS_Y + Math.max(rows.length, 1) * ROW_H + 26;
  const out: string[] = [];
  const titleId = 'irr-timeline-title';
  const descId = 'irr-timeline-desc';
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="${titleId} ${descId}" font-family="Liberation Sans, Arial, Helvetica, sans-serif" font-size="${FONT}">`,
    `<title id="${titleId}">${escapeXml(`Timeline of ${d.incident.id}: phases and notification clocks`)}</title>`,
    `<desc id="${descId}">${escapeXml(timelineDescription(d))}</desc>`,
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`,
  );

  // Legend: shape and word for each mark.
  let lx = LEFT;
  const legend: [string, string][] = [
    [diamond(0, 0, 5, true, COLOUR.axis), 'deadline'],
    [diamond(0, 0, 5, false, COLOUR.axis), 'target (no legal count)'],
    [circle(0, 0, 5, COLOUR.met), 'sent on time'],
    [cross(0, 0, 4.5, COLOUR.late), 'sent late'],
    [`<line x1="-8" y1="0" x2="8" y2="0" stroke="${COLOUR.open}" stroke-width="3" stroke-dasharray="4 3"/>`, 'not sent yet'],
  ];
  out.push(label(LEFT - 10, LEGEND_Y, 'Key', { anchor: 'end', weight: 'bold' }));
  for (const [mark, words] of legend) {
    out.push(`<g transform="translate(${n(lx + 8)} ${LEGEND_Y - 4})">${mark}</g>`, label(lx + 20, LEGEND_Y, words));
    lx += 20 + textWidth(words) + 16;
  }

  // Grid and axis.
  const span = t1 - t0;
  const step = STEPS.find((s) => span / s <= 8) ?? STEPS.at(-1)!;
  const first = Math.ceil(t0 / step) * step;
  out.push(label(LEFT - 10, AXIS_Y + 18, 'UTC', { anchor: 'end', colour: COLOUR.axis }));
  if (d.obligations.length) out.push(label(PLOT_END + 12, AXIS_Y + 18, 'Notice: outcome', { colour: COLOUR.axis }));
  for (let t = first; t <= t1; t += step) {
    const tx = x(t);
    out.push(`<line x1="${n(tx)}" y1="${BAND_Y}" x2="${n(tx)}" y2="${H - 20}" stroke="${COLOUR.grid}" stroke-width="1"/>`);
    out.push(`<line x1="${n(tx)}" y1="${AXIS_Y}" x2="${n(tx)}" y2="${AXIS_Y + 5}" stroke="${COLOUR.axis}"/>`, label(tx, AXIS_Y + 18, tickLabel(t, step), { anchor: 'middle', size: FONT - 2, colour: COLOUR.axis }));
  }
  out.push(`<line x1="${LEFT}" y1="${AXIS_Y}" x2="${PLOT_END}" y2="${AXIS_Y}" stroke="${COLOUR.axis}"/>`);

  // Phase bands.
  out.push(label(LEFT - 10, BAND_Y + BAND_H / 2 + 5, 'Phases', { anchor: 'end', weight: 'bold' }));
  for (const { s, i, a, w, words, inside } of bands) {
    const fill = PHASE_FILL[['detection', 'analysis', 'containment', 'eradication', 'recovery', 'post-incident'].indexOf(s.phase)] ?? '#eee';
    const tip = `${s.phase}: ${utc(s.at)} to ${s.until ? utc(s.until) : 'now'}${s.via === 'reopen' ? ' (reopened)' : ''}`;
    out.push(`<rect x="${n(a)}" y="${BAND_Y}" width="${n(w)}" height="${BAND_H}" fill="${fill}" stroke="#fff" stroke-width="1.5"><title>${escapeXml(tip)}</title></rect>`);
    if (i > 0) out.push(`<line x1="${n(a)}" y1="${BAND_Y}" x2="${n(a)}" y2="${BAND_Y + BAND_H}" stroke="${COLOUR.axis}" stroke-width="1"/>`);
    if (inside) out.push(label(a + w / 2, BAND_Y + BAND_H / 2 + 5, words, { anchor: 'middle' }));
    else {
      const at = above.get(i)!;
      const ly = BAND_Y - 4 - (levels.length - 1 - at.level) * LABEL_ROW;
      out.push(`<path d="M${n(a + Math.min(w / 2, 3))} ${BAND_Y} L${n(at.lx)} ${n(ly + 2)}" stroke="${COLOUR.axis}" stroke-width="0.75" fill="none"/>`);
      out.push(label(at.lx + 2, ly - 1, words, { size: FONT - 1 }));
    }
  }
  if (d.incident.closed_at) {
    const cx = x(Date.parse(d.incident.closed_at));
    out.push(`<line x1="${n(cx)}" y1="${BAND_Y}" x2="${n(cx)}" y2="${H - 20}" stroke="${COLOUR.axis}" stroke-width="1.5"/>`, label(cx, H - 6, 'closed', { anchor: 'middle', size: FONT - 1 }));
  } else {
    const nx = x(now);
    out.push(`<line x1="${n(nx)}" y1="${BAND_Y}" x2="${n(nx)}" y2="${H - 20}" stroke="${COLOUR.axis}" stroke-width="1.5" stroke-dasharray="2 3"/>`, label(nx, H - 6, 'now', { anchor: 'middle', size: FONT - 1 }));
  }

  // One row per notice.
  if (rows.length === 0) out.push(label(LEFT + 6, ROWS_Y + ROW_H / 2 + 5, 'No notice is known to be required so far.', { colour: COLOUR.axis }));
  rows.forEach((o, i) => {
    const y = ROWS_Y + i * ROW_H + ROW_H / 2;
    const k = kindOf(o);
    const colour = k === 'met' ? COLOUR.met : k === 'late' ? COLOUR.late : k === 'open' ? COLOUR.open : COLOUR.axis;
    const words = rowWords(o, d.now);
    out.push(`<g><title>${escapeXml(`${o.id} (${o.regime}), to the ${o.audience} (${o.jurisdiction}): ${words}`)}</title>`);
    out.push(label(LEFT - 10, y + 5, truncate(o.id, LEFT - 20), { anchor: 'end', weight: 'bold' }));
    if (i % 2 === 1) out.push(`<rect x="${LEFT}" y="${n(y - ROW_H / 2)}" width="${W - LEFT}" height="${ROW_H}" fill="#000" fill-opacity="0.04"/>`);
    const start = o.clock_start ? Date.parse(o.clock_start) : null;
    const dl = o.deadline ? Date.parse(o.deadline) : null;
    const sent = o.sent_at ? Date.parse(o.sent_at) : null;
    if (start !== null) {
      const stop = dl ?? sent ?? now;
      const open = k === 'open';
      out.push(`<line x1="${n(x(start))}" y1="${y}" x2="${n(x(stop))}" y2="${y}" stroke="${colour}" stroke-width="3"${open ? ' stroke-dasharray="6 4"' : ''}/>`);
      out.push(`<line x1="${n(x(start))}" y1="${y - 6}" x2="${n(x(start))}" y2="${y + 6}" stroke="${colour}" stroke-width="1.5"/>`);
      // Overdue: the time past the deadline, dashed up to now.
      if (o.status === 'overdue' && dl !== null) {
        out.push(`<line x1="${n(x(dl))}" y1="${y}" x2="${n(x(now))}" y2="${y}" stroke="${COLOUR.late}" stroke-width="1.5" stroke-dasharray="2 3"/>`);
      }
      // Late: the time past the deadline until it was sent.
      if (k === 'late' && dl !== null && sent !== null) out.push(`<line x1="${n(x(dl))}" y1="${y}" x2="${n(x(sent))}" y2="${y}" stroke="${COLOUR.late}" stroke-width="1.5" stroke-dasharray="2 3"/>`);
    }
    if (dl !== null) out.push(diamond(x(dl), y, 6, o.deadline_kind === 'due', COLOUR.axis));
    if (sent !== null) {
      out.push(k === 'late' ? cross(x(sent), y, 5.5, COLOUR.late) : circle(x(sent), y, 5.5, COLOUR.met));
    }
    // The words, in their own column: every row says met, late or open in text.
    out.push(label(PLOT_END + 12, y + 5, truncate(words, WORDS - 8), { colour, weight: 'bold' }));
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('\n');
}
