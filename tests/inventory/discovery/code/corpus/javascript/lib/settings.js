// Constants the scanned code requires: the scanner must follow them across files.
module.exports.RSA_BITS = 1024;
exports.CIPHER = 'des-ede3-cbc';
