package keys

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"hash"
)

// Wrappers other packages call: each finding is located at the caller's line.
func Make(bits int) (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(rand.Reader, bits)
}

// Fingerprint wraps no parameter: its own finding stays here.
func Fingerprint() hash.Hash {
	return sha1.New() // expect: SHA-1
}

func Scaled(bits int) int {
	return bits * 2
}
