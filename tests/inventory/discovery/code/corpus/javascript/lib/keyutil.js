// Wrappers other files call: each finding is located at the caller's line.
const crypto = require('crypto');

function rsaPair(bits) {
  return crypto.generateKeyPairSync('rsa', { modulusLength: bits });
}

const digest = (name, data) => crypto.createHash(name).update(data);

function scaled(bits) {
  return bits * 2;
}

module.exports = { rsaPair, digest, scaled };
