import { checkbox, input, select } from '@inquirer/prompts';
import { render } from '@inquirer/testing';
import { describe, expect, it } from 'vitest';
import { CORE_FACTS } from '../../src/domain/facts.js';
import { askFact, parseTimeAnswer } from '../../src/cli/console/answers.js';
import { checkboxConfig, inputConfig, selectConfig } from '../../src/cli/console/inquirer.js';
import { ScriptedPrompter, type CheckboxQuestion, type InputQuestion, type Prompter, type SelectQuestion } from '../../src/cli/console/prompter.js';
import { chosen, mainChoices } from '../../src/cli/console/screens.js';

type Rendered = Awaited<ReturnType<typeof render>>;
type Driver = (r: Rendered) => Promise<void>;

/**
 * Puts each question through the real inquirer prompt in a virtual terminal (@inquirer/testing)
 * and types the keys the test scripts for it: the console's prompt logic, at unit-test speed.
 */
class KeyboardPrompter implements Prompter {
  readonly interactive = true;
  readonly rows = 24;
  readonly columns = 80;
  readonly screens: string[] = [];

  constructor(private readonly drivers: Driver[]) {}

  private async drive<T>(r: Rendered): Promise<T> {
    const driver = this.drivers.shift();
    if (!driver) throw new Error('no keys scripted for this question');
    this.screens.push(r.getScreen());
    await driver(r);
    return (await r.answer) as T;
  }

  async select<V extends string>(q: SelectQuestion<V>): Promise<V> {
    return this.drive(await render(select, selectConfig(q, this)));
  }

  async input(q: InputQuestion): Promise<string> {
    const v = await this.drive<string>(await render(input, inputConfig(q)));
    return v === '' && q.default !== undefined ? q.default : v;
  }

  async checkbox<V extends string>(q: CheckboxQuestion<V>): Promise<V[]> {
    return this.drive(await render(checkbox, checkboxConfig(q, this)));
  }
}

const NOW = '2026-03-02T10:00:00.000Z';
const enter: Driver = async (r) => r.events.keypress('enter');
const type =
  (text: string): Driver =>
  async (r) => {
    r.events.type(text);
    r.events.keypress('enter');
  };

describe('typed fact questions in a terminal', () => {
  it('yes/no starts on the recorded answer, offers to keep it, clear it or "not known yet"', async () => {
    const p = new KeyboardPrompter([
      async (r) => {
        expect(r.getScreen()).toMatch(/❯ yes\n {2}no\n {2}keep yes\n {2}clear it: not known any more/);
        r.events.keypress('down');
        r.events.keypress('enter');
      },
      async (r) => {
        r.events.keypress('down');
        r.events.keypress('down');
        r.events.keypress('down');
        r.events.keypress('enter');
      },
      async (r) => {
        expect(r.getScreen()).toMatch(/❯ not known yet/);
        expect(r.getScreen()).not.toContain('clear it');
        r.events.keypress('enter');
      },
    ]);
    expect(await askFact(p, 'malicious', CORE_FACTS.malicious!, true, NOW)).toEqual({ kind: 'set', value: false });
    expect(await askFact(p, 'malicious', CORE_FACTS.malicious!, true, NOW)).toEqual({ kind: 'clear' });
    expect(await askFact(p, 'malicious', CORE_FACTS.malicious!, undefined, NOW)).toEqual({ kind: 'keep' });
  });

  it('a recorded count is first changed, kept or cleared; "change it" then asks the typed question', async () => {
    const p = new KeyboardPrompter([
      async (r) => {
        expect(r.getScreen()).toMatch(/subjects_total = 40: change it, keep it, or clear it\?[^]*❯ change it\n {2}keep 40\n {2}clear it: not known any more/);
        r.events.keypress('down');
        r.events.keypress('down');
        r.events.keypress('enter');
      },
      enter,
      type('41'),
    ]);
    expect(await askFact(p, 'subjects_total', CORE_FACTS.subjects_total!, 40, NOW)).toEqual({ kind: 'clear' });
    expect(await askFact(p, 'subjects_total', CORE_FACTS.subjects_total!, 40, NOW)).toEqual({ kind: 'set', value: 41 });
  });

  it('a time defaults to now, and a future time is refused on screen until corrected', async () => {
    const p = new KeyboardPrompter([
      async (r) => {
        r.events.type('2099-01-01T00:00Z');
        r.events.keypress('enter');
        await r.nextRender();
        expect(r.getScreen()).toMatch(/in the future/);
        for (let i = 0; i < 17; i++) r.events.keypress('backspace');
        r.events.type('2026-03-01T09:30+01:00');
        r.events.keypress('enter');
      },
      enter,
    ]);
    expect(await askFact(p, 'aware_at', CORE_FACTS.aware_at!, undefined, NOW)).toEqual({ kind: 'set', value: '2026-03-01T08:30:00.000Z' });
    expect(await askFact(p, 'detected_at', CORE_FACTS.detected_at!, undefined, NOW)).toEqual({ kind: 'set', value: NOW });
  });

  it('counts per jurisdiction are checked as typed; "-" leaves the fact unknown', async () => {
    const p = new KeyboardPrompter([
      async (r) => {
        r.events.type('US-CA:12x');
        r.events.keypress('enter');
        await r.nextRender();
        expect(r.getScreen()).toContain('count for US-CA must be a whole number');
        r.events.keypress('backspace');
        r.events.type(', DE:40');
        r.events.keypress('enter');
      },
      type('-'),
    ]);
    expect(await askFact(p, 'subjects_by_jurisdiction', CORE_FACTS.subjects_by_jurisdiction!, undefined, NOW)).toEqual({ kind: 'set', value: { 'US-CA': 12, DE: 40 } });
    expect(await askFact(p, 'subjects_total', CORE_FACTS.subjects_total!, undefined, NOW)).toEqual({ kind: 'keep' });
  });

  it('data categories are a multi-select, returned sorted', async () => {
    const p = new KeyboardPrompter([
      async (r) => {
        r.events.keypress('space'); // contact
        r.events.keypress('down');
        r.events.keypress('down');
        r.events.keypress('space'); // government_id
        r.events.keypress('enter');
      },
    ]);
    expect(await askFact(p, 'data_categories', CORE_FACTS.data_categories!, undefined, NOW)).toEqual({ kind: 'set', value: ['contact', 'government_id'] });
  });

  it('every list line fits 80 columns, and the menu fits 24 rows with Quit visible', async () => {
    const long = 'x'.repeat(200);
    const q: SelectQuestion<string> = {
      message: 'What next?',
      choices: [...Array.from({ length: 12 }, (_, i) => ({ value: `s${i}`, name: `[ ]* ${long}`, description: long })), { value: 'quit', name: 'Quit' }],
      above: 5,
    };
    const r = await render(select, selectConfig(q, { rows: 24, columns: 80 }));
    const lines = r.getScreen().split('\n');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    expect(lines.length + 5).toBeLessThanOrEqual(24);
    r.events.keypress('enter');
    expect(await r.answer).toBe('s0');
  });
});

describe('times typed at a prompt', () => {
  it('takes now, an offset time, or a local time, and refuses impossible dates', () => {
    expect(parseTimeAnswer('now', NOW)).toEqual({ ok: true, value: NOW });
    expect(parseTimeAnswer('2026-03-02T10:30+01:00', NOW)).toEqual({ ok: true, value: '2026-03-02T09:30:00.000Z' });
    const local = parseTimeAnswer('2026-03-01 09:30', NOW);
    expect(local.ok && local.value).toBe(new Date(2026, 2, 1, 9, 30).toISOString());
    expect(parseTimeAnswer('2026-02-30 09:30', NOW)).toMatchObject({ ok: false, error: expect.stringContaining('not a date') });
    expect(parseTimeAnswer('yesterday', NOW)).toMatchObject({ ok: false });
  });
});

describe('answers files', () => {
  const answers = (values: (string | string[])[]) => values.map((value, i) => ({ value, line: i + 1 }));

  it('answers by value or by the choice’s words, echoing a transcript', async () => {
    const out: string[] = [];
    const p = new ScriptedPrompter('a.yaml', answers(['advance', 'Record facts (0 recorded)']), (l) => out.push(l));
    const q = { message: 'What next?', choices: [{ value: 'advance', name: 'Advance' }, { value: 'facts', name: 'Record facts (0 recorded)' }] };
    expect(await p.select(q)).toBe('advance');
    expect(await p.select(q)).toBe('facts');
    expect(out).toEqual(['? What next? advance', '? What next? facts']);
  });

  it('names file, line and the choices when an answer does not fit', async () => {
    const p = new ScriptedPrompter('a.yaml', answers(['advance', 'bogus']), () => {});
    const q = { message: 'What next?', choices: [{ value: 'advance', name: 'Advance' }] };
    await p.select(q);
    await expect(p.select(q)).rejects.toThrow('a.yaml:2: answer 2 to "What next?": "bogus" is not one of the choices (advance)');
    const v = new ScriptedPrompter('b.yaml', answers(['12x']), () => {});
    await expect(askFact(v, 'subjects_total', CORE_FACTS.subjects_total!, undefined, NOW)).rejects.toThrow(/^b\.yaml:1: .*whole number/);
  });

  it('stops cleanly when the answers run out', async () => {
    const p = new ScriptedPrompter('a.yaml', [], () => {});
    await expect(p.input({ message: 'Title' })).rejects.toThrow('a.yaml: no answer left for "Title" after 0 answers');
  });
});

describe('the main menu', () => {
  it('lists the open steps of the phase first, then the moves, with what holds the advance', () => {
    const view = {
      phase: 'containment',
      holds: ['required step isolate is not done'],
      facts: {},
      steps: [
        { id: 'isolate', phase: 'containment', title: 'Isolate hosts', owner: 'it', required: true, status: 'pending', blocked_by: [], captures: [], marks: [] },
        { id: 'block', phase: 'containment', title: 'Block C2', owner: 'it', required: false, status: 'pending', blocked_by: ['isolate'], captures: [], marks: [] },
        { id: 'old', phase: 'analysis', title: 'Old', owner: 'it', required: true, status: 'done', blocked_by: [], captures: [], marks: [] },
      ],
    } as unknown as Parameters<typeof mainChoices>[0];
    const choices = mainChoices(view, []);
    expect(choices.map((c) => c.value)).toEqual(['isolate', 'block', 'advance', 'facts', 'notifications', 'note', 'status', 'reopen', 'when', 'quit']);
    expect(choices[1]!.name).toBe('[ ]  WAITS Block C2 (it)');
    expect(choices[2]!.name).toBe('Advance to eradication (held: 1 thing)');
  });

  it('tags each line, so a step named quit or status is a step, and Quit still quits', () => {
    const step = (id: string) => ({ id, phase: 'detection', title: `Step ${id}`, owner: 'lead', required: true, status: 'pending', blocked_by: [], captures: [], marks: [] });
    const view = { phase: 'detection', holds: [], facts: {}, steps: [step('quit'), step('status'), step('triage')] } as unknown as Parameters<typeof mainChoices>[0];
    const choices = mainChoices(view, []);
    const keys = choices.map((c) => c.value);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.slice(0, 3)).toEqual(['step:quit', 'step:status', 'triage']);
    expect(chosen(choices, 'step:quit')).toEqual({ kind: 'step', id: 'quit' });
    expect(chosen(choices, 'quit')).toEqual({ kind: 'action', name: 'quit' });
    expect(chosen(choices, 'status')).toEqual({ kind: 'action', name: 'status' });
    expect(chosen(choices, 'triage')).toEqual({ kind: 'step', id: 'triage' });
  });
});
