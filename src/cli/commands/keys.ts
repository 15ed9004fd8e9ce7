import { createPublicKey, sign } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { IntegrityFailure, InvalidInput, Refused } from '../../domain/errors.js';
import { formatCheckpoint, parseCheckpoint, phoneForm, type Checkpoint } from '../../engine/checkpoint.js';
import { verifyIncident } from '../../engine/verify.js';
import { checkpointStatement, shortFingerprint } from '../../store/signature.js';
import type { GlobalOptions } from '../context.js';
import { withEngine } from '../engine-access.js';
import { checkKeyName, createKey, findKey, keysDir, listKeys, readPassphrase, unlockKey } from '../keys.js';
import { printJson, printLines } from '../output.js';

export async function keyCreate(g: GlobalOptions, opts: { name?: string }): Promise<void> {
  const name = checkKeyName(opts.name ?? 'default');
  const passphrase = await readPassphrase(g.passphrase ?? {}, `new key ${name}`, { confirm: true });
  const k = createKey(name, passphrase);
  if (g.json) printJson({ name: k.name, fingerprint: k.fingerprint, private_key: k.privatePath, public_key: k.publicPem });
  else printLines([`created key ${k.name}: fingerprint ${shortFingerprint(k.fingerprint)} (${k.fingerprint})`, `private key ${k.privatePath} (mode 0600, encrypted with the passphrase); register it in an incident with: irr key register <incident> --key ${k.name}`]);
}

export async function keyList(g: GlobalOptions): Promise<void> {
  const keys = listKeys();
  if (g.json) printJson(keys.map((k) => ({ name: k.name, fingerprint: k.fingerprint, private_key: k.privatePath })));
  else if (keys.length === 0) printLines(`no keys in ${keysDir()} (irr key create)`);
  else printLines(keys.map((k) => `${k.name}  ${k.fingerprint}`));
}

/** Append key.registered: the public key, signed by itself; from here every event by the actor is signed. */
export async function keyRegister(g: GlobalOptions, id: string, opts: { key?: string }): Promise<void> {
  const k = findKey(checkKeyName(opts.key ?? 'default'));
  await withEngine(g, { create: false }, async (engine) => {
    const actor = g.actor;
    const same = (await engine.keys(id)).find((x) => x.fingerprint === k.fingerprint);
    if (same) throw new Refused(`key ${k.name} (${shortFingerprint(k.fingerprint)}) is already registered in ${id} by ${same.actor} at seq ${same.seq}; nothing was written`);
    const who = engine.who(actor, undefined, id);
    const { events } = await engine.execute(id, () => [
      { type: 'key.registered' as const, ...who, payload: { algorithm: 'ed25519' as const, public_key: k.publicPem, fingerprint: k.fingerprint, name: k.name } },
    ]);
    const e = events[0]!;
    if (g.json) printJson({ ok: true, seq: e.seq, hash: e.hash, fingerprint: k.fingerprint });
    else printLines(`${id}#${e.seq} registered key ${k.name} (${shortFingerprint(k.fingerprint)}) for ${actor}: every event ${actor} appends to ${id} from now on is signed`);
  });
}

/** The text of `--checkpoint` / `--cosign`: a file holding the block, or the block itself. */
export function checkpointArg(raw: string, flag: string): Checkpoint {
  if (raw.includes('BEGIN IRR CHECKPOINT')) return parseCheckpoint(raw, flag);
  if (!existsSync(raw)) throw new InvalidInput(`${flag}: no file ${raw}, and the text is not a checkpoint block`);
  let text: string;
  try {
    text = readFileSync(raw, 'utf8');
  } catch (err) {
    throw new InvalidInput(`${flag}: cannot read ${raw} (${(err as NodeJS.ErrnoException).code})`);
  }
  return parseCheckpoint(text, raw);
}

/**
 * Sign the incident's head with the actor's registered key (after verifying the whole log), or
 * add the actor's signature to a checkpoint someone else signed (`--cosign`), and print it: the
 * spoken form and the block to paste.
 */
export async function checkpoint(g: GlobalOptions, id: string, opts: { cosign?: string; key?: string }): Promise<void> {
  const base = opts.cosign !== undefined ? checkpointArg(opts.cosign, '--cosign') : undefined;
  if (base && base.incident !== id) throw new InvalidInput(`--cosign: the checkpoint is for ${base.incident}, not ${id}`);
  await withEngine(g, { create: false, readonly: true }, async (engine) => {
    const actor = g.actor;
    const result = await verifyIncident(engine, id, base ? { checkpoint: base } : {});
    // A cosigner signs what the others signed; the others' keys are checked, so is the head.
    if (!result.ok) throw new IntegrityFailure(`integrity failure in ${id}${result.first_bad_seq ? ` at seq ${result.first_bad_seq}` : ''}: ${result.problem}; no checkpoint signed (irr verify ${id})`);
    const mine = (await engine.keys(id)).filter((k) => k.actor === actor);
    if (mine.length === 0) throw new Refused(`${actor} has no signing key registered in ${id}: irr key create, then irr key register ${id}; no checkpoint signed`);
    const local = opts.key !== undefined ? [findKey(checkKeyName(opts.key))] : listKeys();
    const k = local.find((l) => mine.some((m) => m.fingerprint === l.fingerprint));
    if (!k) throw new Refused(`none of ${actor}'s keys registered in ${id} (${mine.map((m) => shortFingerprint(m.fingerprint)).join(', ')}) is in ${keysDir()}; no checkpoint signed`);
    if (base?.signatures.some((s) => s.fingerprint === k.fingerprint)) throw new Refused(`the checkpoint is already signed with key ${k.name} (${shortFingerprint(k.fingerprint)}); nothing added`);
    const priv = unlockKey(k, await readPassphrase(g.passphrase ?? {}, `key ${k.name}`));
    const seq = base?.seq ?? result.events;
    const head = base?.head ?? result.head_hash;
    const der = createPublicKey(k.publicPem).export({ type: 'spki', format: 'der' }).toString('base64');
    const signature = sign(null, Buffer.from(checkpointStatement(id, seq, head), 'utf8'), priv).toString('base64');
    const cp: Checkpoint = { incident: id, seq, head, signatures: [...(base?.signatures ?? []), { actor, fingerprint: k.fingerprint, public_key: der, signature }] };
    const block = formatCheckpoint(cp);
    if (g.json) printJson({ incident: id, seq, head, signed_by: cp.signatures.map((s) => ({ actor: s.actor, fingerprint: s.fingerprint })), spoken: phoneForm(seq, head), block });
    else printLines([`checkpoint of ${id}, signed by ${cp.signatures.map((s) => `${s.actor} (${shortFingerprint(s.fingerprint)})`).join(', ')}`, ...phoneForm(seq, head), '', block]);
  });
}
