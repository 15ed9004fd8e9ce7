import { beforeAll, describe, expect, it } from 'vitest';
import { irr, json, MINI, succeeded } from '../helpers.js';
import { pgBackend, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

/**
 * A voluntary regime (Hong Kong: the PDPO sets no duty, the PCPD recommends notifying) is said for
 * what it is in every view a responder, a board or a regulator reads: no legal duty, notification
 * recommended by the authority. Never silence, never "not required" (which reads as "nothing to do").
 */

const NOW = '2026-12-01T12:00:00Z';
const WORDS = 'no legal duty; notification recommended by Office of the Privacy Commissioner for Personal Data (PCPD), Hong Kong';

/**
 * On both backends (issue 15): one incident per backend, in its own database; the second describe
 * builds on the first (the notice is sent after the "not yet sent" views were read).
 */
function voluntaryFlows(backend: Backend): void {
describe(`a voluntary duty (${backend.name})`, () => {
let db = '';
let id = '';

const ok = (args: string[]) => succeeded(args, { db });
const report = (kind: string) => ok(['report', id, '--kind', kind, '--now', NOW]);
const section = (md: string, heading: string) => {
  const start = md.indexOf(`## ${heading}`);
  const end = md.indexOf('\n## ', start + 3);
  return md.slice(start, end < 0 ? undefined : end);
};

beforeAll(() => {
  db = backend.newDb();
  id = ok(['open', '--playbook', MINI, '--title', 'Hong Kong customer list copied', '--at', '2026-12-01T09:00:00Z']).trim();
  ok(['fact', id, 'subjects_by_jurisdiction=HK:20', 'data_categories=government_id', 'aware_at=2026-12-01T08:00:00Z', '--at', '2026-12-01T10:00:00Z']);
}, 60_000);

describe('not yet sent', () => {
  it('irr clocks lists it as recommended with no legal duty, and --json carries it under "recommended"', () => {
    const text = ok(['clocks', id, '--now', NOW]);
    expect(text).toContain(`recommended, no legal duty (voluntary):\n  hk-pdpo-voluntary (HK, to authority): ${WORDS}; not sent`);
    expect(text).not.toMatch(/\bnot required\b/);
    const out = json<{ clocks: { id: string }[]; recommended: { id: string; recommended: boolean; required: boolean; words: string }[] }>(irr(['clocks', id, '--now', NOW, '--json'], { db }));
    expect(out.recommended).toEqual([expect.objectContaining({ id: 'hk-pdpo-voluntary', recommended: true, required: false, words: WORDS })]);
    expect(out.clocks.map((c) => c.id)).not.toContain('hk-pdpo-voluntary');
  });

  it('the executive page names it with the authority that recommends it, and asks the board to decide', () => {
    const md = report('executive');
    const notices = section(md, 'Notifications and deadlines');
    expect(notices).toContain(`- hk-pdpo-voluntary (authority, HK): **${WORDS}** — not sent.`);
    expect(notices).toContain('No notification is legally required so far');
    expect(section(md, 'Decisions needed')).toContain(`- **Decide:** whether to notify voluntarily in HK: ${WORDS}.`);
    expect(md).not.toMatch(/\bnot required\b/);
  });

  it('the timeline and the post-incident review list it beside the required notices', () => {
    for (const kind of ['timeline', 'post-incident']) {
      const md = report(kind);
      expect(md, kind).toContain(`- hk-pdpo-voluntary (authority, HK): **${WORDS}** — not sent.`);
      expect(md, kind).toContain('Voluntary (1): the law sets no duty to notify, the authority recommends it.');
    }
    expect(report('post-incident')).toContain('; 1 recommended with no legal duty (voluntary)');
  });
});

describe('sent', () => {
  beforeAll(() => {
    ok(['team', 'assign', id, 'approver', '--role', 'lead']);
    ok(['obligation', id, 'hk-pdpo-voluntary', 'drafted', '--at', '2026-12-01T10:30:00Z']);
    ok(['obligation', id, 'hk-pdpo-voluntary', 'approved', '--as', 'approver', '--at', '2026-12-01T10:40:00Z']);
    ok(['obligation', id, 'hk-pdpo-voluntary', 'sent', '--channel', 'portal', '--ref', 'PCPD-1', '--at', '2026-12-01T11:00:00Z']);
  }, 60_000);

  it('is "sent (voluntary)" in irr clocks, never a met duty', () => {
    expect(ok(['clocks', id, '--now', NOW])).toMatch(/^hk-pdpo-voluntary +sent \(voluntary\) +authority$/m);
  });

  it('is not counted as a required notice in the reports, and says when it was sent', () => {
    const md = report('executive');
    expect(md).toContain(`- hk-pdpo-voluntary (authority, HK): **${WORDS}** — sent 1 December 2026, 11:00 UTC.`);
    expect(md).not.toMatch(/\d+ required: \d+ met/);
    expect(section(md, 'Decisions needed')).not.toContain('whether to notify voluntarily');
    expect(report('timeline')).toContain(`- hk-pdpo-voluntary (authority, HK): **${WORDS}** — sent 2026-12-01 11:00 UTC.`);
  });
});
});
}

voluntaryFlows(sqliteBackend);
if (pgAvailable(import.meta.filename, 5)) voluntaryFlows(pgBackend);
