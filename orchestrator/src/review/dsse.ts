import { sign, verify } from 'node:crypto';
import { z } from 'zod';
import type { SigningKey, VerifyKey } from './keys.js';

/**
 * DSSE (Dead Simple Signing Envelope, https://github.com/secure-systems-lab/dsse) with Ed25519.
 * The signature covers the pre-authentication encoding (PAE) of the payload type and the payload
 * bytes, so neither can be swapped without breaking it.
 */

export const Envelope = z.object({
  /** base64 of the payload bytes. */
  payload: z.string(),
  payloadType: z.string(),
  signatures: z.array(z.object({ keyid: z.string(), sig: z.string() })).min(1),
});
export type Envelope = z.infer<typeof Envelope>;

/** `DSSEv1 <len(type)> <type> <len(body)> <body>`, lengths in bytes, as ASCII decimals. */
export function pae(payloadType: string, body: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${body.length} `), body]);
}

export function signEnvelope(payloadType: string, body: Buffer, key: SigningKey): Envelope {
  const sig = sign(null, pae(payloadType, body), key.privateKey);
  return { payload: body.toString('base64'), payloadType, signatures: [{ keyid: key.keyid, sig: sig.toString('base64') }] };
}

/** The payload when a signature by `key` verifies; undefined otherwise. */
export function openEnvelope(envelope: Envelope, key: VerifyKey): Buffer | undefined {
  const body = Buffer.from(envelope.payload, 'base64');
  const message = pae(envelope.payloadType, body);
  for (const s of envelope.signatures) {
    // The keyid is only a hint: an envelope may name any id, so every signature is tried.
    if (verify(null, message, key.publicKey, Buffer.from(s.sig, 'base64'))) return body;
  }
  return undefined;
}
