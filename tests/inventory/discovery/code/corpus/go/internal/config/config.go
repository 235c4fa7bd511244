package config

// Constants the scanned code imports: the scanner must follow them across packages.
const RSABits = 1024

const KeyBytes = 24
