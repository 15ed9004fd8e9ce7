/**
 * Issue 15: the comms role reads the timeline and the notices, never a fact or a note. Against the
 * real (throwaway) PostgreSQL server: the incident is worked through the real binary with
 * distinctive markers in every fact and every free text, then everything the comms role may read
 * (every table and view it holds SELECT on, every function it may execute) is read as comms, and
 * irr status / irr log as comms are run: no marker anywhere, and the outputs say what is hidden.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/domain/events.js';
import { eventBody, hashBody } from '../../src/store/hash.js';
import type { EventRow } from '../../src/store/integrity.js';
import { irr, tempDir } from '../helpers.js';
import { pgBackend, pgSync } from '../pg/backend.js';
import { asRole, pgAvailable } from '../pg/pg.js';

const as = (actor: string) => ({ IRR_ACTOR: actor });
const noActor = { env: { IRR_ACTOR: '' } };

/** Fact values and texts, each unlikely to appear by chance (counts chosen so their digits are distinctive). */
const FACT_MARKERS = ['52422', '52433', '40411', '12011', 'ROOTCAUSE-MK7'];
const TEXT_MARKERS = ['NOTE-MK1', 'STEPNOTE-MK2', 'SKIP-MK3', 'RETRACT-MK4', 'REQUIRED-MK5', 'NA-MK6', 'EVIDENCE-MK8', 'evidence-mk9.txt'];
const MARKERS = [...FACT_MARKERS, ...TEXT_MARKERS];

function expectNoMarker(where: string, text: string): void {
  // Hashes and digests (64 hex digits) are blanked first: five digits turn up in a random one now
  // and then (team-server.test.ts once found "1234" inside a hash), and a hash is no fact value.
  const readable = text.replace(/[0-9a-f]{64}/g, '#');
  const found = MARKERS.filter((m) => readable.includes(m));
  expect({ where, found }).toEqual({ where, found: [] });
}

if (pgAvailable(import.meta.filename, 3)) {
  describe('the comms role on a team server reads no fact and no note', () => {
    function workedIncident(): { db: string; id: string; total: number } {
      const db = pgBackend.newDb();
      expect(irr(['team', 'add', 'cora', '--role', 'comms', '--db', db]).code).toBe(0);
      const alice = { db, env: as('alice') };
      const id = irr(['open', '--playbook', 'misdirected-communication', '--title', 'Payslips to the wrong team'], alice).stdout.trim();
      const evidence = join(tempDir(), 'evidence-mk9.txt');
      writeFileSync(evidence, 'what was sent\n');
      const steps: string[][] = [
        // Facts that make notices required: the reasons the assessment writes quote them ("52422 people …").
        ['fact', id, 'aware_at=2026-03-02T09:00:00+01:00', 'data_categories=contact,financial', 'subjects_by_jurisdiction={"DE":40411,"US-CA":12011}', 'subjects_total=52422', 'entity_role=controller', 'confidentiality=unknown_recipients', 'integrity=none', 'availability=temporary', 'malicious=true', 'ease_of_identification=maximum', 'unintelligible=false'],
        ['fact', id, 'root_cause=ROOTCAUSE-MK7'],
        ['fact', id, 'subjects_total=52433'],
        ['note', id, 'NOTE-MK1'],
        ['step', id, 'record-report', 'skip', '--reason', 'SKIP-MK3'],
        ['step', id, 'record-report', 'done'],
        // Withdrawing the completion restores the skip, with its reason.
        ['retract', id, '-', '--reason', 'RETRACT-MK4'],
        ['step', id, 'alert-dpo', 'done', '--note', 'STEPNOTE-MK2'],
        ['obligation', id, 'gdpr-art33', 'required', '--reason', 'REQUIRED-MK5'],
        ['obligation', id, 'gdpr-art34', 'waived', '--override', '--reason', 'NA-MK6'],
        ['evidence', 'add', id, evidence, '--description', 'EVIDENCE-MK8'],
        ['team', 'assign', id, 'dora', '--role', 'dpo'],
        ['obligation', id, 'gdpr-art33', 'drafted'],
      ];
      for (const args of steps) {
        if (args[0] === 'retract') args[2] = String(pgBackend.eventCount(db)); // the completion just recorded
        const r = irr(args, alice);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      }
      expect(irr(['obligation', id, 'gdpr-art33', 'approved'], { db, env: as('dora') }).code).toBe(0);
      const total = pgBackend.eventCount(db);
      // The markers are in the log (as a responder reads it), so their absence below means something.
      const full = irr(['log', id, '--json'], alice).stdout;
      for (const m of MARKERS) expect({ m, inLog: full.includes(m) }).toEqual({ m, inLog: true });
      return { db, id, total };
    }

    it('every table and view comms may select from, and every function it may execute, gives back no marker', () => {
      const { db } = workedIncident();
      const cora = asRole(db, 'cora');
      pgSync(db, 'ANALYZE');
      const relations = (
        pgSync(
          cora,
          `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v', 'm', 'p', 'f') AND has_table_privilege(c.oid, 'SELECT') ORDER BY 1`,
        ) as { name: string }[]
      ).map((r) => r.name);
      // What comms may read (docs/ARCHITECTURE.md, the team server): no events, snapshots or signatures.
      expect(relations).toEqual(['comms_events', 'incidents', 'irr_schema', 'playbooks', 'pushed_incidents']);
      for (const rel of relations) expectNoMarker(rel, JSON.stringify(pgSync(cora, `SELECT t.*::text AS row FROM ${rel} t`)));
      for (const rel of ['events', 'event_headers', 'snapshots', 'signatures', 'incident_counters', 'irr_comms_key']) {
        expect(() => pgSync(cora, `SELECT * FROM ${rel}`), rel).toThrow(/permission denied/);
      }
      // The planner's statistics (most common values…) are shown only for columns one may read.
      expectNoMarker('pg_stats', JSON.stringify(pgSync(cora, `SELECT * FROM pg_stats WHERE schemaname = current_schema()`)));
      const functions = (
        pgSync(cora, `SELECT p.proname AS name, p.prorettype = 'trigger'::regtype AS trigger FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace AND has_function_privilege(p.oid, 'EXECUTE') ORDER BY 1`) as { name: string; trigger: boolean }[]
      );
      // Trigger functions run only as triggers; the others: the view's cut (pure) and an id's number (pure).
      expect(functions.filter((f) => !f.trigger).map((f) => f.name)).toEqual(['irr_comms_payload', 'irr_id_number']);
      for (const f of functions.filter((x) => x.trigger)) expect(() => pgSync(cora, `SELECT ${f.name}()`), f.name).toThrow(/trigger functions can only be called as triggers/);
      expect(() => pgSync(cora, `SELECT irr_append('x', 0, '', '[]', NULL, NULL, NULL)`)).toThrow(/permission denied for function irr_append/);

      // No guessing oracle: the hashes comms is given cannot confirm a guess of a hidden payload.
      const guess = '{"facts":{"subjects_total":52433}}';
      const [real] = pgSync(db, `SELECT * FROM events WHERE payload = '${guess}'`) as EventRow[];
      expect(hashBody(real!.prev_hash, eventBody(real!, guess))).toBe(real!.hash); // the right guess, checked with the real hashes
      const seen = pgSync(cora, `SELECT * FROM comms_events WHERE incident = '${real!.incident}' ORDER BY seq`) as (EventRow & { payload: string | null })[];
      const mine = seen.find((r) => r.seq === real!.seq)!;
      expect(mine.payload).toBeNull();
      expect(hashBody(mine.prev_hash, eventBody(mine, guess))).not.toBe(mine.hash);
      // …nor can any later hash comms sees (each depends on this one): past the first hidden entry none is real.
      const firstHidden = seen.findIndex((r) => r.payload === null);
      const realHashes = new Set((pgSync(db, `SELECT hash FROM events`) as { hash: string }[]).map((r) => r.hash));
      for (const r of seen.slice(firstHidden)) expect({ seq: r.seq, real: realHashes.has(r.hash) }).toEqual({ seq: r.seq, real: false });
      // The links still hold as digests: each entry's prev_hash is the digest before it.
      for (let i = 1; i < seen.length; i++) expect(seen[i]!.prev_hash).toBe(seen[i - 1]!.hash);
    });

    it('irr log and irr status as comms: the timeline and the notices, hidden and withheld entries said to be so, no marker', () => {
      const { db, id, total } = workedIncident();
      const cora = asRole(db, 'cora');
      const log = irr(['log', id, '--json', '--db', cora], noActor);
      expect(log.code, log.stderr).toBe(0);
      const entries = JSON.parse(log.stdout) as { seq: number; type: string; hidden: boolean; withheld: string[]; payload: Record<string, unknown> | null; what: string }[];
      expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      const triggered = entries.filter((e) => e.type === 'obligation.triggered');
      expect(triggered.length).toBeGreaterThan(0);
      for (const e of triggered) expect(e).toMatchObject({ hidden: false, withheld: ['reason'], what: expect.stringMatching(/^obligation \S+ now required — \(withheld from the comms role\)$/) });
      expect(entries.find((e) => e.type === 'entry.retracted')).toMatchObject({ withheld: ['reason', 'step.progress.reason'], payload: { of: 'step.completed', step: { id: 'record-report', progress: { status: 'skipped' } } } });
      expect(entries.find((e) => e.type === 'evidence.added')).toMatchObject({ withheld: ['description', 'name', 'path'] });
      expect(entries.filter((e) => e.hidden).map((e) => e.type)).toEqual(['facts.recorded', 'facts.recorded', 'facts.recorded', 'note.added', 'step.completed']);
      const text = irr(['log', id, '--db', cora], noActor);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain(`5 of ${total} entries are hidden from the comms role`);
      expect(text.stdout).toContain('the hashes shown are keyed digests');
      expect(text.stdout).toMatch(new RegExp(`\\d+ of ${total} entries are shown with fields withheld from the comms role \\(reasons, descriptions`));

      const status = irr(['status', id, '--json', '--db', cora], noActor);
      expect(status.code, status.stderr).toBe(0);
      const s = JSON.parse(status.stdout) as { notices: { obligation: string; status: string }[]; hidden: { entries: number }; withheld: { entries: number } };
      expect(s.notices).toEqual(expect.arrayContaining([expect.objectContaining({ obligation: 'gdpr-art33', status: 'approved', drafted_by: 'alice', approved_by: 'dora', decided_required: true }), expect.objectContaining({ obligation: 'gdpr-art34', status: 'waived', override: true })]));
      expect(s.hidden.entries).toBe(5);
      expect(s.withheld.entries).toBeGreaterThan(0);
      const shown = irr(['status', id, '--db', cora], noActor);
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toContain('shown with fields withheld from the comms role');
      const list = irr(['list', '--json', '--db', cora], noActor);
      expect(list.code, list.stderr).toBe(0);
      for (const [where, out] of [['log --json', log.stdout], ['log', text.stdout], ['status --json', status.stdout], ['status', shown.stdout], ['list', list.stdout]] as const) expectNoMarker(where, out);
    });

    it("the view's cut of every event type: only the fields kept for that type, a type it does not know hidden whole", () => {
      const db = pgBackend.newDb();
      expect(irr(['team', 'add', 'cora', '--role', 'comms', '--db', db]).code).toBe(0);
      const cora = asRole(db, 'cora');
      const M = 'MK-SECRET';
      // One payload per event type, every free-text, count or restored field carrying the marker.
      const samples: Record<string, unknown> = {
        'incident.opened': { title: 'T', mode: 'real', playbook: { id: 'p', version: '1', hash: 'h', source_sha256: 's' } },
        'step.completed': { step: 's1' },
        'step.skipped': { step: 's1', reason: M },
        'facts.recorded': { facts: { subjects_total: M } },
        'note.added': { text: M },
        'phase.advanced': { from: 'detection', to: 'analysis' },
        'phase.reopened': { from: 'analysis', to: 'detection', reason: M },
        'incident.closed': {},
        'obligation.triggered': { obligation: 'gdpr-art33', reason: M },
        'obligation.cleared': { obligation: 'gdpr-art33', reason: M },
        'obligation.recorded': { obligation: 'gdpr-art33', action: 'waived', reason: M, exemption: 'art33-1' },
        'document.rendered': { kind: 'mail_merge', template: 't', obligation: 'o', format: 'pdf', sha256: 'x', draft: false, letters: M, rejected: M, by_jurisdiction: { DE: M }, by_language: { de: M }, language_fallbacks: { fr: M } },
        'action.recorded': { id: 'A1', text: M, owner: 'alice', due: '2026-12-31' },
        'team.assigned': { member: 'dora', role: 'dpo' },
        'key.registered': { algorithm: 'ed25519', public_key: 'pem', fingerprint: 'f' },
        'evidence.added': { id: 'EV-2', name: M, path: M, sha256: 'x', size: 1, description: M, copied_from: M },
        'evidence.transferred': { evidence: 'EV-2', from: 'a', to: 'b', reason: M },
        'drill.advanced': { from: 'a', to: 'b' },
        'drill.inject': { inject: 'i1', fired: true, message: M, facts: ['subjects_total'], reason: M },
        'drill.ended': { reason: M },
        'entry.retracted': { seq: 3, of: 'obligation.recorded', reason: M, obligation: { id: 'gdpr-art33', progress: { status: 'drafted', triggered: true, reason: M, supplements: [{ at: 'x', by: 'y', reason: M }] } } },
      };
      expect(Object.keys(samples).sort()).toEqual([...EVENT_TYPES].sort());
      const cut = (type: string, payload: unknown) => {
        const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
        const [row] = pgSync(cora, `SELECT payload, withheld FROM irr_comms_payload('${type}', '${text.replaceAll("'", "''")}')`) as { payload: string | null; withheld: string[] }[];
        return row!;
      };
      for (const [type, payload] of Object.entries(samples)) {
        const c = cut(type, payload);
        expectNoMarker(type, JSON.stringify(c.payload));
        const whole = JSON.stringify(payload) === c.payload;
        // Nothing to withhold: the stored text exactly (its hash can be checked); else the fields named.
        expect({ type, whole, withheld: c.withheld.length === 0 }).toEqual({ type, whole, withheld: whole });
      }
      expect(cut('facts.recorded', samples['facts.recorded'])).toEqual({ payload: null, withheld: ['*'] });
      expect(cut('step.completed', { step: 's1', note: M })).toEqual({ payload: null, withheld: ['*'] });
      expect(cut('entry.retracted', { seq: 2, of: 'note.added', reason: 'r' })).toEqual({ payload: null, withheld: ['*'] });
      expect(cut('some.future_type', { anything: M })).toEqual({ payload: null, withheld: ['*'] });
      expect(cut('step.completed', 'not json')).toEqual({ payload: null, withheld: ['*'] });
      expect(JSON.parse(cut('document.rendered', samples['document.rendered']).payload!)).toEqual({ kind: 'mail_merge', template: 't', obligation: 'o', format: 'pdf', sha256: 'x', draft: false });
      expect(cut('entry.retracted', samples['entry.retracted']).withheld).toEqual(['reason', 'obligation.progress.reason', 'obligation.progress.supplements.reason']);
    });
  });
}
