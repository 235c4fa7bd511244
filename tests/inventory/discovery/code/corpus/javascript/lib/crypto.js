const crypto = require('crypto');
const { createHash, createHmac } = require('node:crypto');
const jwt = require('jsonwebtoken');
const forge = require('node-forge');

const MODULUS = 2048;
const LEGACY = 'des-ede3-cbc';

function keys(size) {
  const a = crypto.generateKeyPairSync('rsa', { modulusLength: MODULUS }); // expect: RSA-2048 key_size=2048
  const b = crypto.generateKeyPairSync('ec', { namedCurve: 'secp384r1' }); // expect: ECDSA-P384 curve=P-384
  const c = crypto.generateKeyPairSync('rsa', { modulusLength: size }); // expect: RSA unknown=key_size
  const d = crypto.createECDH('prime256v1'); // expect: ECDH-P256 curve=P-256
  const e = forge.pki.rsa.generateKeyPair({ bits: 1024 }); // expect: RSA-1024 key_size=1024
  return [a, b, c, d, e];
}

function ops(key, iv, data) {
  const c1 = crypto.createCipheriv('aes-128-cbc', key, iv); // expect: AES-128 key_size=128 mode=CBC
  const c2 = crypto.createCipheriv(LEGACY, key, iv); // expect: 3DES mode=CBC
  const h1 = createHash('md5').update(data).digest('hex'); // expect: MD5
  const h2 = createHash('sha256'); // expect: SHA-256
  const m = createHmac('sha1', key); // expect: HMAC-SHA1 digest=SHA-1
  const s = crypto.createSign('RSA-SHA256'); // expect: RSA digest=SHA-256
  const t1 = jwt.sign({ sub: 1 }, key, { algorithm: 'ES256' }); // expect: ECDSA-P256 curve=P-256
  const t2 = jwt.sign({ sub: 1 }, key); // expect: HMAC-SHA256
  return [c1, c2, h1, h2, m, s, t1, t2];
}

async function web(data) {
  const k = await crypto.subtle.generateKey({ name: 'RSA-OAEP', modulusLength: 3072, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['encrypt']); // expect: RSA-3072 key_size=3072 padding=OAEP
  const d = await crypto.subtle.digest('SHA-1', data); // expect: SHA-1
  return [k, d];
}

function lookAlikes(user) {
  const rsa = user.rsa; // a variable named rsa
  rsa.generateKeyPairSync('rsa', { modulusLength: 512 }); // not node's crypto
  console.log("crypto.createHash('md5') is forbidden", user);
  // crypto.createCipheriv('des-ecb', k) was here
  return `createHash('sha1')`;
}

module.exports = { keys, ops, web, lookAlikes };
