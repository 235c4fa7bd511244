import * as crypto from 'node:crypto';
import { createHash } from 'crypto';
import { SignJWT, generateKeyPair } from 'jose';
import { JWT_ALG, RSA_BITS } from './config';

const CURVE: string = 'P-521';

export function keys(): void {
  const a = crypto.generateKeyPairSync('rsa', { modulusLength: RSA_BITS }); // expect: RSA-1024 key_size=1024
  const b = crypto.generateKeyPairSync('ed25519'); // expect: Ed25519
  const c = crypto.createDiffieHellman(1024); // expect: DH-1024 key_size=1024
}

export async function tokens(payload: Record<string, unknown>, key: crypto.KeyObject): Promise<void> {
  const pair = await generateKeyPair('ES384'); // expect: ECDSA-P384 curve=P-384
  const jws = await new SignJWT(payload).setProtectedHeader({ alg: JWT_ALG }).sign(key); // expect: RSA padding=PSS digest=SHA-256
  const k = await globalThis.crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: CURVE }, true, ['sign']); // expect: ECDSA-P521 curve=P-521
  const h = createHash('sha512'); // expect: SHA-512
  const aes = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt']); // expect: AES-256 key_size=256 mode=GCM
}

export function lookAlikes(rsa: string): string {
  const createSign = (s: string): string => s; // the project's own function
  createSign('RSA-SHA1');
  // crypto.createHash('md5')
  return `crypto.createCipheriv('rc4') ${rsa}`;
}
