import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InvalidInput, Refused } from '../domain/errors.js';
import type { SigningProvider } from '../engine/engine.js';
import { fingerprintOf, shortFingerprint, type Signer } from '../store/signature.js';
import { readSecretFile } from './secret-file.js';

/**
 * Responders' signing keys (issue 13), kept in the OS user's config folder
 * ($XDG_CONFIG_HOME/irr/keys, else ~/.config/irr/keys; the folder 0700): `<name>.key` is the
 * Ed25519 private key as passphrase-encrypted PKCS#8 PEM (AES-256-CBC, mode 0600), `<name>.pub`
 * its public key (SPKI PEM). Never in the database: the log holds only the public key.
 */
export function keysDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.trim() !== '' ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'irr', 'keys');
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface LocalKey {
  readonly name: string;
  readonly fingerprint: string;
  readonly publicPem: string;
  readonly privatePath: string;
}

export function checkKeyName(name: string): string {
  if (!NAME.test(name)) throw new InvalidInput(`--name: "${name.slice(0, 40)}" is not a key name (letters, digits, . _ -, at most 64, starting with a letter or digit)`);
  return name;
}

/** Write a new file, owner-only, refusing to replace one (O_EXCL), synced. */
function writeNew(path: string, text: string, mode: number): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InvalidInput(code === 'EEXIST' ? `--name: ${path} exists; a key is never replaced (choose another --name)` : `--name: cannot write ${path} (${code})`);
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

export function createKey(name: string, passphrase: string, dir = keysDir()): LocalKey {
  checkKeyName(name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const privatePath = join(dir, `${name}.key`);
  const publicPath = join(dir, `${name}.pub`);
  if (existsSync(privatePath) || existsSync(publicPath)) throw new InvalidInput(`--name: a key named "${name}" exists in ${dir}; a key is never replaced (choose another --name)`);
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase });
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  writeNew(privatePath, privatePem as string, 0o600);
  writeNew(publicPath, publicPem, 0o644);
  return { name, fingerprint: fingerprintOf(publicKey), publicPem, privatePath };
}

/** The keys in the folder with both halves present, by name. */
export function listKeys(dir = keysDir()): LocalKey[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: LocalKey[] = [];
  for (const f of names.filter((n) => n.endsWith('.pub')).sort()) {
    const name = f.slice(0, -4);
    const privatePath = join(dir, `${name}.key`);
    if (!existsSync(privatePath)) continue;
    let key: KeyObject;
    let publicPem: string;
    try {
      publicPem = readFileSync(join(dir, f), 'utf8');
      key = createPublicKey(publicPem);
    } catch {
      continue; // not a key: not ours to judge, and never used
    }
    if (key.asymmetricKeyType !== 'ed25519') continue;
    out.push({ name, fingerprint: fingerprintOf(key), publicPem, privatePath });
  }
  return out;
}

export function findKey(name: string, dir = keysDir()): LocalKey {
  const k = listKeys(dir).find((x) => x.name === name);
  if (!k) throw new InvalidInput(`--key: no key named "${name}" in ${dir} (irr key list; irr key create --name ${name})`);
  return k;
}

/** Where a key's passphrase comes from: `--passphrase-file`, `IRR_PASSPHRASE_FILE` (mode 0600 only), or the terminal (cli/context.ts). */
export interface PassphraseSource {
  readonly file?: string;
}

/** The passphrase: the file's text without its final newline, or typed at the terminal (not echoed). */
export async function readPassphrase(src: PassphraseSource, why: string, opts: { confirm?: boolean } = {}): Promise<string> {
  let value: string;
  if (src.file !== undefined) {
    const flag = process.env.IRR_PASSPHRASE_FILE === src.file ? 'IRR_PASSPHRASE_FILE' : '--passphrase-file';
    value = readSecretFile(src.file, flag).replace(/\r?\n$/, '');
    if (value === '') throw new InvalidInput(`${flag}: ${src.file} is empty; a passphrase is needed`);
    return value;
  }
  if (!process.stdin.isTTY || !process.stderr.isTTY) throw new InvalidInput(`--passphrase-file: ${why} needs a passphrase and there is no terminal to ask: give --passphrase-file <file> or IRR_PASSPHRASE_FILE (mode 0600)`);
  const { askSecret } = await import('./console/inquirer.js');
  value = await askSecret(`Passphrase (${why}):`);
  if (value === '') throw new InvalidInput('--passphrase-file: an empty passphrase protects nothing');
  if (opts.confirm && (await askSecret('Again, to confirm:')) !== value) throw new InvalidInput('--passphrase-file: the two passphrases differ; nothing was written');
  return value;
}

/** Decrypt a key's private half; a wrong passphrase is one line, exit 2. */
export function unlockKey(k: LocalKey, passphrase: string): KeyObject {
  try {
    return createPrivateKey({ key: readSecretFile(k.privatePath, `key ${k.name}`), format: 'pem', passphrase });
  } catch (err) {
    if (err instanceof InvalidInput) throw err;
    throw new InvalidInput(`--passphrase-file: wrong passphrase for key ${k.name} (${shortFingerprint(k.fingerprint)}), or ${k.privatePath} is damaged`);
  }
}

export function signerFrom(actor: string, k: LocalKey, privateKey: KeyObject): Signer {
  return { actor, fingerprint: k.fingerprint, sign: (statement: string) => sign(null, Buffer.from(statement, 'utf8'), privateKey).toString('base64') };
}

/**
 * What the engine asks for when an actor has registered a key in an incident: the key with one of
 * those fingerprints in this account's folder, unlocked once per process.
 */
export class LocalSigning implements SigningProvider {
  private readonly unlocked = new Map<string, Signer>();
  constructor(
    private readonly src: PassphraseSource,
    private readonly dir = keysDir(),
  ) {}

  async signer(actor: string, fingerprints: ReadonlySet<string>): Promise<Signer> {
    for (const fp of fingerprints) {
      const hit = this.unlocked.get(`${actor}\n${fp}`);
      if (hit) return hit;
    }
    const k = listKeys(this.dir).find((x) => fingerprints.has(x.fingerprint));
    if (!k) {
      throw new Refused(
        `${actor} signs every event in this incident with key ${[...fingerprints].map(shortFingerprint).join(' or ')}, which is not in ${this.dir} (XDG_CONFIG_HOME); act from the account that holds it; nothing was written`,
      );
    }
    const s = signerFrom(actor, k, unlockKey(k, await readPassphrase(this.src, `key ${k.name}`)));
    this.unlocked.set(`${actor}\n${k.fingerprint}`, s);
    return s;
  }
}
