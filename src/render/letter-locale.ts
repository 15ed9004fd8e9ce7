/**
 * What a letter writes in the reader's language that is not in its template: data categories in
 * words, yes/no, the deadline's wording, the authority's default name, and dates, numbers and lists
 * formatted by Intl for the locale (Node 20 ships full ICU). English keeps its established forms
 * ("2 March 2026, 09:00 UTC", "1,200", "a, b and c"), so English letters do not change.
 */

export const LETTER_LANGUAGES = ['en', 'fr', 'de', 'es', 'it', 'nl', 'pl'] as const;
export type LetterLanguage = (typeof LETTER_LANGUAGES)[number];

interface Words {
  readonly yes: string;
  readonly no: string;
  readonly categories: Readonly<Record<string, string>>;
  readonly target: (when: string) => string;
  readonly noDeadline: string;
  /** In a phased notice (GDPR Art 33(4)), where a fact not yet known would go. */
  readonly toFollow: string;
  readonly competentAuthority: string;
  readonly eachAuthority: (names: string) => string;
  readonly authorityLabels: readonly [portal: string, email: string, phone: string, address: string, form: string];
  /** "[name]" and friends in a single letter (not a mail merge). */
  readonly placeholders: { readonly name: string; readonly email: string; readonly postal_address: string; readonly jurisdiction: string; readonly language: string };
}

const EN: Words = {
  yes: 'yes',
  no: 'no',
  categories: {
    contact: 'contact details (such as names, email or postal addresses, telephone numbers)',
    identity: 'identity data (such as names and dates of birth)',
    government_id: 'government identifiers (such as passport, national identity or social security numbers)',
    financial: 'financial account information',
    payment_card: 'payment card data',
    credentials: 'account credentials (user names and passwords or security questions)',
    health: 'health information',
    special_category: 'special categories of personal data (such as racial or ethnic origin, beliefs, sex life)',
    genetic_biometric: 'genetic or biometric data',
    criminal: 'data about criminal convictions or offences',
    location: 'location data',
    behavioural: 'behavioural data (such as browsing or purchase history)',
    children: "children's personal data",
    communications_content: 'the content of communications',
    employment: 'employment records',
  },
  target: (when) => `without undue delay (our internal target: ${when})`,
  noDeadline: 'no fixed deadline',
  toFollow: '(to follow)',
  competentAuthority: 'the competent supervisory authority',
  eachAuthority: (names) => `each supervisory authority concerned (${names})`,
  authorityLabels: ['Portal', 'Email', 'Telephone', 'Address', 'Form'],
  placeholders: { name: '[name]', email: '[email]', postal_address: '[postal address]', jurisdiction: '[jurisdiction]', language: '[language]' },
};

const FR: Words = {
  yes: 'oui',
  no: 'non',
  categories: {
    contact: 'des coordonnées (par exemple noms, adresses électroniques ou postales, numéros de téléphone)',
    identity: "des données d'identification (par exemple noms et dates de naissance)",
    government_id: "des numéros d'identification officiels (par exemple numéro de passeport, de carte nationale d'identité ou de sécurité sociale)",
    financial: 'des informations sur des comptes bancaires et financiers',
    payment_card: 'des données de cartes de paiement',
    credentials: "des identifiants de connexion (noms d'utilisateur et mots de passe ou questions de sécurité)",
    health: 'des données concernant la santé',
    special_category: 'des catégories particulières de données à caractère personnel (par exemple origine raciale ou ethnique, convictions, vie sexuelle)',
    genetic_biometric: 'des données génétiques ou biométriques',
    criminal: 'des données relatives aux condamnations pénales et aux infractions',
    location: 'des données de localisation',
    behavioural: "des données comportementales (par exemple historique de navigation ou d'achats)",
    children: "des données à caractère personnel d'enfants",
    communications_content: 'le contenu de communications',
    employment: 'des données relatives à la gestion du personnel',
  },
  target: (when) => `dans les meilleurs délais (notre objectif interne : ${when})`,
  noDeadline: 'aucun délai fixé',
  toFollow: '(à compléter)',
  competentAuthority: "l'autorité de contrôle compétente",
  eachAuthority: (names) => `chaque autorité de contrôle concernée (${names})`,
  authorityLabels: ['Téléservice', 'Courriel', 'Téléphone', 'Adresse', 'Formulaire'],
  placeholders: { name: '[nom]', email: '[courriel]', postal_address: '[adresse postale]', jurisdiction: '[pays]', language: '[langue]' },
};

const DE: Words = {
  yes: 'ja',
  no: 'nein',
  categories: {
    contact: 'Kontaktdaten (z. B. Namen, E-Mail- oder Postanschriften, Telefonnummern)',
    identity: 'Identifikationsdaten (z. B. Namen und Geburtsdaten)',
    government_id: 'amtliche Kennnummern (z. B. Reisepass-, Personalausweis- oder Sozialversicherungsnummern)',
    financial: 'Bank- und Kontoinformationen',
    payment_card: 'Zahlungskartendaten',
    credentials: 'Zugangsdaten (Benutzernamen und Passwörter oder Sicherheitsfragen)',
    health: 'Gesundheitsdaten',
    special_category: 'besondere Kategorien personenbezogener Daten (z. B. rassische oder ethnische Herkunft, Weltanschauung, Sexualleben)',
    genetic_biometric: 'genetische oder biometrische Daten',
    criminal: 'Daten über strafrechtliche Verurteilungen und Straftaten',
    location: 'Standortdaten',
    behavioural: 'Verhaltensdaten (z. B. Browser- oder Kaufverlauf)',
    children: 'personenbezogene Daten von Kindern',
    communications_content: 'Kommunikationsinhalte',
    employment: 'Beschäftigtendaten',
  },
  target: (when) => `unverzüglich (unser internes Ziel: ${when})`,
  noDeadline: 'keine feste Frist',
  toFollow: '(wird nachgereicht)',
  competentAuthority: 'die zuständige Aufsichtsbehörde',
  eachAuthority: (names) => `jede betroffene Aufsichtsbehörde (${names})`,
  authorityLabels: ['Online-Meldung', 'E-Mail', 'Telefon', 'Anschrift', 'Formular'],
  placeholders: { name: '[Name]', email: '[E-Mail]', postal_address: '[Anschrift]', jurisdiction: '[Land]', language: '[Sprache]' },
};

const ES: Words = {
  yes: 'sí',
  no: 'no',
  categories: {
    contact: 'datos de contacto (como nombres, direcciones de correo electrónico o postales y números de teléfono)',
    identity: 'datos identificativos (como nombres y fechas de nacimiento)',
    government_id: 'números de identificación oficiales (como el DNI, el pasaporte o el número de la Seguridad Social)',
    financial: 'información de cuentas bancarias y financieras',
    payment_card: 'datos de tarjetas de pago',
    credentials: 'credenciales de acceso (nombres de usuario y contraseñas o preguntas de seguridad)',
    health: 'datos relativos a la salud',
    special_category: 'categorías especiales de datos personales (como el origen étnico o racial, las convicciones o la vida sexual)',
    genetic_biometric: 'datos genéticos o biométricos',
    criminal: 'datos relativos a condenas e infracciones penales',
    location: 'datos de localización',
    behavioural: 'datos de comportamiento (como el historial de navegación o de compras)',
    children: 'datos personales de menores',
    communications_content: 'el contenido de comunicaciones',
    employment: 'datos laborales',
  },
  target: (when) => `sin dilación indebida (nuestro objetivo interno: ${when})`,
  noDeadline: 'sin plazo fijo',
  toFollow: '(pendiente, se comunicará más adelante)',
  competentAuthority: 'la autoridad de control competente',
  eachAuthority: (names) => `cada autoridad de control interesada (${names})`,
  authorityLabels: ['Sede electrónica', 'Correo electrónico', 'Teléfono', 'Dirección', 'Formulario'],
  placeholders: { name: '[nombre]', email: '[correo electrónico]', postal_address: '[dirección postal]', jurisdiction: '[país]', language: '[idioma]' },
};

const IT: Words = {
  yes: 'sì',
  no: 'no',
  categories: {
    contact: 'dati di contatto (ad esempio nomi, indirizzi e-mail o postali, numeri di telefono)',
    identity: 'dati identificativi (ad esempio nomi e date di nascita)',
    government_id: "numeri di identificazione ufficiali (ad esempio numero del passaporto o della carta d'identità, codice fiscale)",
    financial: 'informazioni su conti bancari e finanziari',
    payment_card: 'dati di carte di pagamento',
    credentials: 'credenziali di accesso (nomi utente e password o domande di sicurezza)',
    health: 'dati relativi alla salute',
    special_category: 'categorie particolari di dati personali (ad esempio origine razziale o etnica, convinzioni, vita sessuale)',
    genetic_biometric: 'dati genetici o biometrici',
    criminal: 'dati relativi a condanne penali e reati',
    location: 'dati di localizzazione',
    behavioural: 'dati comportamentali (ad esempio cronologia di navigazione o degli acquisti)',
    children: 'dati personali di minori',
    communications_content: 'il contenuto di comunicazioni',
    employment: 'dati relativi al rapporto di lavoro',
  },
  target: (when) => `senza ingiustificato ritardo (nostro obiettivo interno: ${when})`,
  noDeadline: 'nessun termine fisso',
  toFollow: '(da completare)',
  competentAuthority: "l'autorità di controllo competente",
  eachAuthority: (names) => `ciascuna autorità di controllo interessata (${names})`,
  authorityLabels: ['Portale', 'E-mail', 'Telefono', 'Indirizzo', 'Modulo'],
  placeholders: { name: '[nome]', email: '[e-mail]', postal_address: '[indirizzo postale]', jurisdiction: '[paese]', language: '[lingua]' },
};

const NL: Words = {
  yes: 'ja',
  no: 'nee',
  categories: {
    contact: 'contactgegevens (zoals namen, e-mail- of postadressen en telefoonnummers)',
    identity: 'identificatiegegevens (zoals namen en geboortedata)',
    government_id: 'officiële identificatienummers (zoals paspoort- of identiteitskaartnummers of het burgerservicenummer)',
    financial: 'gegevens over bank- en financiële rekeningen',
    payment_card: 'betaalkaartgegevens',
    credentials: 'inloggegevens (gebruikersnamen en wachtwoorden of beveiligingsvragen)',
    health: 'gezondheidsgegevens',
    special_category: 'bijzondere categorieën van persoonsgegevens (zoals ras of etnische afkomst, levensovertuiging, seksueel gedrag)',
    genetic_biometric: 'genetische of biometrische gegevens',
    criminal: 'strafrechtelijke gegevens',
    location: 'locatiegegevens',
    behavioural: 'gedragsgegevens (zoals surf- of aankoopgeschiedenis)',
    children: 'persoonsgegevens van kinderen',
    communications_content: 'de inhoud van communicatie',
    employment: 'personeelsgegevens',
  },
  target: (when) => `zonder onredelijke vertraging (ons interne doel: ${when})`,
  noDeadline: 'geen vaste termijn',
  toFollow: '(volgt nog)',
  competentAuthority: 'de bevoegde toezichthoudende autoriteit',
  eachAuthority: (names) => `elke betrokken toezichthoudende autoriteit (${names})`,
  authorityLabels: ['Meldloket', 'E-mail', 'Telefoon', 'Adres', 'Formulier'],
  placeholders: { name: '[naam]', email: '[e-mail]', postal_address: '[postadres]', jurisdiction: '[land]', language: '[taal]' },
};

const PL: Words = {
  yes: 'tak',
  no: 'nie',
  categories: {
    contact: 'dane kontaktowe (np. imiona i nazwiska, adresy e-mail lub adresy pocztowe, numery telefonów)',
    identity: 'dane identyfikacyjne (np. imiona i nazwiska oraz daty urodzenia)',
    government_id: 'urzędowe numery identyfikacyjne (np. numer PESEL, numer dowodu osobistego lub paszportu)',
    financial: 'informacje o rachunkach bankowych i finansowych',
    payment_card: 'dane kart płatniczych',
    credentials: 'dane logowania (nazwy użytkowników i hasła lub pytania zabezpieczające)',
    health: 'dane dotyczące zdrowia',
    special_category: 'szczególne kategorie danych osobowych (np. pochodzenie rasowe lub etniczne, przekonania, seksualność)',
    genetic_biometric: 'dane genetyczne lub biometryczne',
    criminal: 'dane dotyczące wyroków skazujących i czynów zabronionych',
    location: 'dane o lokalizacji',
    behavioural: 'dane o zachowaniach (np. historia przeglądania lub zakupów)',
    children: 'dane osobowe dzieci',
    communications_content: 'treść komunikacji',
    employment: 'dane pracownicze',
  },
  target: (when) => `bez zbędnej zwłoki (nasz termin wewnętrzny: ${when})`,
  noDeadline: 'brak stałego terminu',
  toFollow: '(zostanie uzupełnione)',
  competentAuthority: 'właściwy organ nadzorczy',
  eachAuthority: (names) => `każdy organ nadzorczy, którego sprawa dotyczy (${names})`,
  authorityLabels: ['Formularz online', 'E-mail', 'Telefon', 'Adres', 'Formularz'],
  placeholders: { name: '[imię i nazwisko]', email: '[e-mail]', postal_address: '[adres pocztowy]', jurisdiction: '[kraj]', language: '[język]' },
};

const WORDS: Readonly<Record<LetterLanguage, Words>> = { en: EN, fr: FR, de: DE, es: ES, it: IT, nl: NL, pl: PL };

const isLetterLanguage = (s: string): s is LetterLanguage => (LETTER_LANGUAGES as readonly string[]).includes(s);

/** The primary language subtag ("fr-BE" → "fr"), lower case. */
export const primaryLanguage = (tag: string): string => tag.split('-')[0]!.toLowerCase();

/** How a letter in `tag` writes what its template does not: by the primary language; English for any other. */
export interface LetterLocale {
  readonly tag: string;
  readonly words: Words;
  instant(iso: string): string;
  date(iso: string): string;
  count(n: number): string;
  list(items: readonly string[]): string;
}

const cache = new Map<string, LetterLocale>();

export function letterLocale(tag: string): LetterLocale {
  const hit = cache.get(tag);
  if (hit) return hit;
  const lang = primaryLanguage(tag);
  const english = !isLetterLanguage(lang) || lang === 'en';
  const words = isLetterLanguage(lang) ? WORDS[lang] : EN;
  // English keeps en-GB dates ("2 March 2026") and en-US digit grouping; others use the tag itself (fr-BE, de-AT…).
  const dateTag = english ? 'en-GB' : tag;
  const date = new Intl.DateTimeFormat(dateTag, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
  const time = new Intl.DateTimeFormat(dateTag, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });
  const both = new Intl.DateTimeFormat(dateTag, { dateStyle: 'long', timeStyle: 'short', hourCycle: 'h23', timeZone: 'UTC' });
  const number = new Intl.NumberFormat(english ? 'en-US' : tag);
  const list = new Intl.ListFormat(dateTag, { type: 'conjunction', style: 'long' });
  const l: LetterLocale = {
    tag,
    words,
    // "2 March 2026, 09:00 UTC" in English (unambiguous anywhere); "2 mars 2026 à 09:00 UTC", "2. März 2026 um 09:00 UTC"…
    instant: (iso) => (english ? `${date.format(new Date(iso))}, ${time.format(new Date(iso))} UTC` : `${both.format(new Date(iso))} UTC`),
    date: (iso) => date.format(new Date(iso)),
    count: (n) => number.format(n),
    list: (items) => (items.length <= 1 ? items[0] ?? '' : list.format(items)),
  };
  cache.set(tag, l);
  return l;
}
