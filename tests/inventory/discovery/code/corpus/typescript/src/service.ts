import { RSA_BITS } from './config';
import { rsaPair, scaled, sha as hashWith } from './keys';
import * as keys from './keys.js';

export function run(other: { rsaPair(n: number): unknown }): unknown[] {
  const a = rsaPair(1024); // expect: RSA-1024 key_size=1024
  const b = keys.rsaPair(RSA_BITS); // expect: RSA-1024 key_size=1024
  const c = rsaPair(); // expect: RSA-2048 key_size=2048
  const d = hashWith('sha1'); // expect: SHA-1
  const e = keys.sha('sha256'); // expect: SHA-256
  const f = scaled(1024); // wraps no cryptography
  const g = other.rsaPair(512); // a method of another object, named like the wrapper
  return [a, b, c, d, e, f, g];
}

export const pairOf = (n: number) => rsaPair(n); // a wrapper of keys.ts's wrapper
