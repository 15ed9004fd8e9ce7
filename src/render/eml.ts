import { createHash } from 'node:crypto';

/**
 * A letter as an e-mail draft: RFC 5322 with a plain-text and an HTML alternative, marked
 * `X-Unsent: 1` so that a mail client (Outlook, Thunderbird, Apple Mail) opens it as a draft ready
 * to send. Built by nodemailer's stream transport, loaded on first use: nothing is sent, no network,
 * no file or URL is read (disableFileAccess / disableUrlAccess).
 */
export interface EmailDraft {
  readonly subject: string;
  /** The addressee, when known (a recipient of the mail merge, the authority's published address). */
  readonly to?: { readonly name: string; readonly address: string };
  readonly text: string;
  readonly html: string;
  /** The rendering time (--now): the draft's Date header. */
  readonly date: string;
  /** BCP 47 tag of the letter: Content-Language. */
  readonly lang: string;
}

type StreamTransporter = import('nodemailer').Transporter<import('nodemailer/lib/stream-transport/index.js').SentMessageInfo>;
let transport: StreamTransporter | undefined;

async function streamTransport(): Promise<StreamTransporter> {
  if (transport === undefined) {
    const { default: nodemailer } = await import('nodemailer');
    transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  }
  return transport;
}

export async function emailDraft(d: EmailDraft): Promise<string> {
  // A stable Message-ID from the content: the same letter rendered twice is the same draft.
  const id = createHash('sha256').update(`${d.subject}\n${d.to?.address ?? ''}\n${d.date}\n${d.text}`).digest('hex').slice(0, 32);
  const info = await (await streamTransport()).sendMail({
    subject: d.subject,
    ...(d.to ? { to: { name: d.to.name, address: d.to.address } } : {}),
    text: d.text,
    html: d.html,
    date: new Date(d.date),
    messageId: `<${id}@irr.invalid>`,
    headers: { 'X-Unsent': '1', 'Content-Language': d.lang },
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  // buffer: true gives the whole message as a Buffer (a stream otherwise).
  const message: unknown = info.message;
  if (!Buffer.isBuffer(message)) throw new Error('nodemailer stream transport returned no buffer');
  return message.toString('utf8');
}
