import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/events.js';
import { describeChanges } from '../../src/engine/changes.js';

const ev = (seq: number, actor: string, type: string, payload: Record<string, unknown>) => ({ seq, actor, type, payload, at: '2026-12-01T10:00:00.000Z' }) as unknown as StoredEvent;

describe('what changed since a screen was drawn', () => {
  it('says how many entries, by whom, and what they did', () => {
    const events = [ev(5, 'lena', 'step.completed', { step: 'triage' }), ev(6, 'lena', 'facts.recorded', { facts: { aware_at: 'x', subjects_total: 3 } }), ev(7, 'omar', 'step.skipped', { step: 'card-scope', reason: 'r' }), ev(8, 'omar', 'phase.advanced', { from: 'detection', to: 'analysis' })];
    expect(describeChanges({ from: 4, to: 8, events })).toBe('since this screen: 4 entries by lena, omar — step triage done; step card-scope skipped; facts aware_at, subjects_total recorded; phase analysis began');
    expect(describeChanges({ from: 4, to: 5, events: [ev(5, 'lena', 'note.added', { text: 'x' })] })).toBe('since this screen: 1 entry by lena — 1 note');
  });
});
