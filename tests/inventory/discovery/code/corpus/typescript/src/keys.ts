// Wrappers other modules import: each finding is located at the caller's line.
import { createHash, generateKeyPairSync } from 'node:crypto';

export function rsaPair(bits: number = 2048) {
  return generateKeyPairSync('rsa', { modulusLength: bits });
}

export const sha = (name: string) => createHash(name);

export function scaled(bits: number): number {
  return bits * 2;
}
