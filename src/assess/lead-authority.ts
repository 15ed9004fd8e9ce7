import type { FactValue } from '../domain/facts.js';
import type { Authority } from '../domain/regime.js';

/**
 * Who receives a GDPR Art 33 notification: the one-stop shop (Art 56(1), (6)) makes the supervisory
 * authority of the controller's main establishment (Art 4(16)) the lead and sole interlocutor for
 * cross-border processing. Exceptions: a controller with no establishment in the EEA notifies every
 * authority where affected people live (EDPB Guidelines 9/2022 para 73); public authorities and bodies
 * acting on Art 6(1)(c) or (e) notify the authority of each Member State concerned (Art 55(2)).
 * Germany has one authority per Land for the private sector. Sources: docs/research/countries.yaml
 * (EU-LSA); what is not confirmed there is said in `unconfirmed`.
 */

export const EEA = ['AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE', 'IS', 'LI', 'NO'] as const;

/** The national supervisory authorities (names as each publishes them; portals only where read in research). */
const NATIONAL: Readonly<Record<string, Authority>> = {
  AT: { name: 'Österreichische Datenschutzbehörde (DSB)' },
  BE: { name: 'Autorité de protection des données / Gegevensbeschermingsautoriteit (APD/GBA)' },
  BG: { name: 'Commission for Personal Data Protection (CPDP), Bulgaria' },
  HR: { name: 'Agencija za zaštitu osobnih podataka (AZOP), Croatia' },
  CY: { name: 'Commissioner for Personal Data Protection, Cyprus' },
  CZ: { name: 'Úřad pro ochranu osobních údajů (ÚOOÚ), Czechia' },
  DK: { name: 'Datatilsynet, Denmark' },
  EE: { name: 'Andmekaitse Inspektsioon (AKI), Estonia' },
  FI: { name: 'Office of the Data Protection Ombudsman (Tietosuojavaltuutetun toimisto), Finland' },
  FR: { name: 'Commission nationale de l’informatique et des libertés (CNIL)' },
  DE: { name: 'the data protection authority of the German Land of the main establishment (establish main_establishment as DE-BY, DE-BE …)' },
  GR: { name: 'Hellenic Data Protection Authority (HDPA)' },
  HU: { name: 'Nemzeti Adatvédelmi és Információszabadság Hatóság (NAIH), Hungary' },
  IE: { name: 'Data Protection Commission (DPC), Ireland' },
  IT: { name: 'Garante per la protezione dei dati personali, Italy' },
  LV: { name: 'Datu valsts inspekcija (DVI), Latvia' },
  LT: { name: 'Valstybinė duomenų apsaugos inspekcija (VDAI), Lithuania' },
  LU: { name: 'Commission nationale pour la protection des données (CNPD), Luxembourg' },
  MT: { name: 'Information and Data Protection Commissioner (IDPC), Malta' },
  NL: { name: 'Autoriteit Persoonsgegevens (AP), Netherlands' },
  PL: { name: 'Prezes Urzędu Ochrony Danych Osobowych (UODO), Poland' },
  PT: { name: 'Comissão Nacional de Proteção de Dados (CNPD), Portugal' },
  RO: { name: 'Autoritatea Națională de Supraveghere a Prelucrării Datelor cu Caracter Personal (ANSPDCP), Romania' },
  SK: { name: 'Úrad na ochranu osobných údajov, Slovakia' },
  SI: { name: 'Informacijski pooblaščenec (IP), Slovenia' },
  ES: { name: 'Agencia Española de Protección de Datos (AEPD)' },
  SE: { name: 'Integritetsskyddsmyndigheten (IMY), Sweden' },
  IS: { name: 'Persónuvernd, Iceland' },
  LI: { name: 'Datenschutzstelle (DSS), Liechtenstein' },
  NO: { name: 'Datatilsynet, Norway' },
};

/** The German Land authorities for the private sector (docs/research/countries.yaml, EU-LSA: germany). */
const GERMAN_LAND: Readonly<Record<string, Authority>> = {
  'DE-BW': { name: 'Der Landesbeauftragte für den Datenschutz und die Informationsfreiheit Baden-Württemberg (LfDI BW)', portal: 'https://www.baden-wuerttemberg.datenschutz.de/datenpanne-melden/', form: 'online form' },
  'DE-BY': { name: 'Bayerisches Landesamt für Datenschutzaufsicht (BayLDA)', address: 'Promenade 27, 91522 Ansbach', portal: 'https://lda.bayern.de/datenpanne', email: 'poststelle@lda.bayern.de', phone: '+49 981 53 1300', form: 'online service for non-public controllers (preliminary notice, then a follow-up notice)' },
  'DE-BE': { name: 'Berliner Beauftragte für Datenschutz und Informationsfreiheit (BlnBDI)', portal: 'https://datenpannen.datenschutz-berlin.de/', form: 'online form; a preliminary notice is allowed' },
  'DE-BB': { name: 'Die Landesbeauftragte für den Datenschutz und für das Recht auf Akteneinsicht Brandenburg (LDA Brandenburg)', address: 'Stahnsdorfer Damm 77, 14532 Kleinmachnow' },
  'DE-HB': { name: 'Die Landesbeauftragte für Datenschutz und Informationsfreiheit der Freien Hansestadt Bremen (LfDI HB)', portal: 'https://datenschutz.bremen.de/wir-ueber-uns/online-meldungen/datenschutzverletzung-melden-15665', form: 'online form (two steps)' },
  'DE-HH': { name: 'Der Hamburgische Beauftragte für Datenschutz und Informationsfreiheit (HmbBfDI)', portal: 'https://datenschutz-hamburg.de/meldung-databreach', form: 'online form; keep the timestamped PDF receipt' },
  'DE-HE': { name: 'Der Hessische Beauftragte für Datenschutz und Informationsfreiheit (HBDI)', portal: 'https://datenschutz.hessen.de/service/meldungen-von-verletzungen-des-schutzes-personenbezogener-daten-durch-verantwortliche', email: 'poststelle@datenschutz.hessen.de', form: 'downloadable form, uploaded through the HessenDrive link (asking for the link alone does not meet the 72 hours)' },
  'DE-MV': { name: 'Der Landesbeauftragte für Datenschutz und Informationsfreiheit Mecklenburg-Vorpommern (LfDI M-V)' },
  'DE-NI': { name: 'Die Landesbeauftragte für den Datenschutz Niedersachsen (LfD Niedersachsen)', portal: 'https://www.navo.niedersachsen.de/navo2/portal/csend/8916/fileget/artikel_33.html', form: 'online form' },
  'DE-NW': { name: 'Landesbeauftragte für Datenschutz und Informationsfreiheit Nordrhein-Westfalen (LDI NRW)', portal: 'https://www.ldi.nrw.de', form: 'Art 33 web form without registration; keep the PDF with the file number as proof' },
  'DE-RP': { name: 'Der Landesbeauftragte für den Datenschutz und die Informationsfreiheit Rheinland-Pfalz (LfDI RLP)', portal: 'https://fms.service24.rlp.de/fms/findform?areashortname=LfDI&formtecid=6&shortname=dp_form_lfdi', form: 'online form (initial and follow-up notices)' },
  'DE-SL': { name: 'Unabhängiges Datenschutzzentrum Saarland (UDZ)' },
  'DE-SN': { name: 'Sächsische Datenschutz- und Transparenzbeauftragte (SDTB)', portal: 'https://datenschutz.sachsen.de/meldung-datenschutzverstoss-4133.html', form: 'online form service' },
  'DE-ST': { name: 'Landesbeauftragter für den Datenschutz Sachsen-Anhalt' },
  'DE-SH': { name: 'Unabhängiges Landeszentrum für Datenschutz Schleswig-Holstein (ULD)' },
  'DE-TH': { name: 'Thüringer Landesbeauftragter für den Datenschutz und die Informationsfreiheit (TLfDI)' },
};

export interface LeadAuthority {
  /** lead: one notice to the lead authority; each_concerned: one to each authority where people live; unknown: establish main_establishment. */
  readonly rule: 'lead' | 'each_concerned' | 'unknown';
  readonly authorities: readonly Authority[];
  readonly reason: string;
}

const isCounts = (v: FactValue | undefined): v is Readonly<Record<string, number>> => typeof v === 'object' && v !== null && !Array.isArray(v);

function authorityOf(code: string): Authority | undefined {
  return Object.hasOwn(GERMAN_LAND, code) ? GERMAN_LAND[code] : Object.hasOwn(NATIONAL, code) ? NATIONAL[code] : undefined;
}

/** The Art 33 addressee from main_establishment, public_agency and where the affected people live. */
export function leadAuthority(fact: (name: string) => FactValue | undefined): LeadAuthority {
  const subjects = fact('subjects_by_jurisdiction');
  const concerned = isCounts(subjects) ? EEA.filter((c) => (subjects[c] ?? 0) > 0) : [];
  const each = (why: string): LeadAuthority => ({ rule: 'each_concerned', authorities: concerned.map((c) => NATIONAL[c]!), reason: `${why}: notify the supervisory authority of each Member State where affected people live (${concerned.join(', ') || 'none recorded yet'})` });
  if (fact('public_agency') === true) return each('a public authority (processing under Art 6(1)(c) or (e)) is outside the one-stop shop (Art 55(2))');
  const main = fact('main_establishment');
  if (typeof main !== 'string') return { rule: 'unknown', authorities: [], reason: 'establish main_establishment (the controller’s main establishment in the EEA, Art 4(16)): it decides the lead supervisory authority' };
  const code = main.trim().toUpperCase();
  const country = code.split('-')[0]!;
  if (!(EEA as readonly string[]).includes(country)) return each(`no main establishment in the EEA (${code}): the one-stop shop does not apply, an Art 27 representative does not trigger it (EDPB Guidelines 9/2022 para 73)`);
  const a = authorityOf(code) ?? NATIONAL[country]!;
  const cross = concerned.length > 1 || (concerned.length === 1 && concerned[0] !== country);
  return {
    rule: 'lead',
    authorities: [a],
    reason: cross
      ? `main establishment ${code}: its supervisory authority is the lead and sole interlocutor for the cross-border processing (Art 56(1), (6)): one notification to ${a.name}`
      : `main establishment ${code}, people affected only there: notify ${a.name} (Art 55(1))`,
  };
}
