const util = require('./keyutil');
const { digest } = require('./keyutil');
const settings = require('./settings');
const vendor = require('keyutil'); // a package from node_modules, not this file

function run(userBits, other) {
  const a = util.rsaPair(1024); // expect: RSA-1024 key_size=1024
  const b = util.rsaPair(settings.RSA_BITS); // expect: RSA-1024 key_size=1024
  const c = util.rsaPair(userBits); // expect: RSA unknown=key_size
  const d = digest('md5', 'x'); // expect: MD5
  const e = util.scaled(1024); // wraps no cryptography
  const f = other.rsaPair(1024); // a method of another object, named like the wrapper
  const g = vendor.rsaPair(512); // a library outside the tree
  return [a, b, c, d, e, f, g];
}

module.exports = { run };
