import { describe, expect, it } from 'vitest';
import { leadAuthority } from '../../src/assess/lead-authority.js';
import type { FactValue } from '../../src/domain/facts.js';

const lookup = (f: Record<string, FactValue>) => (n: string) => (Object.hasOwn(f, n) ? f[n] : undefined);

describe('GDPR lead supervisory authority (one-stop shop)', () => {
  it('unknown until main_establishment is recorded, and says so', () => {
    const l = leadAuthority(lookup({ subjects_by_jurisdiction: { DE: 5, FR: 5 } }));
    expect(l.rule).toBe('unknown');
    expect(l.reason).toMatch(/establish main_establishment/);
  });

  it('cross-border processing: one notification to the authority of the main establishment (a German Land by its code)', () => {
    const l = leadAuthority(lookup({ subjects_by_jurisdiction: { DE: 5, FR: 5 }, main_establishment: 'DE-BY' }));
    expect(l.rule).toBe('lead');
    expect(l.authorities.map((a) => a.name)).toEqual(['Bayerisches Landesamt für Datenschutzaufsicht (BayLDA)']);
    expect(l.authorities[0]!.portal).toBe('https://lda.bayern.de/datenpanne');
    expect(l.reason).toMatch(/Art 56\(1\), \(6\)/);
    expect(leadAuthority(lookup({ subjects_by_jurisdiction: { IE: 1, ES: 9 }, main_establishment: 'IE' })).authorities[0]!.name).toBe('Data Protection Commission (DPC), Ireland');
  });

  it('no establishment in the EEA: every authority where affected people live (no one-stop shop)', () => {
    const l = leadAuthority(lookup({ subjects_by_jurisdiction: { FR: 3, NL: 2, 'US-CA': 9 }, main_establishment: 'US' }));
    expect(l.rule).toBe('each_concerned');
    expect(l.authorities.map((a) => a.name)).toEqual(['Commission nationale de l’informatique et des libertés (CNIL)', 'Autoriteit Persoonsgegevens (AP), Netherlands']);
    expect(l.reason).toMatch(/para 73/);
  });

  it('a public authority (Art 6(1)(c)/(e)) is outside the one-stop shop: each Member State concerned (Art 55(2))', () => {
    const l = leadAuthority(lookup({ subjects_by_jurisdiction: { AT: 3, BE: 2 }, main_establishment: 'AT', public_agency: true }));
    expect(l.rule).toBe('each_concerned');
    expect(l.authorities).toHaveLength(2);
    expect(l.reason).toMatch(/Art 55\(2\)/);
  });

  it('a German main establishment without its Land names the need for the Land', () => {
    expect(leadAuthority(lookup({ subjects_by_jurisdiction: { DE: 3, AT: 1 }, main_establishment: 'DE' })).authorities[0]!.name).toMatch(/German Land .*establish main_establishment as DE-BY/);
  });
});
