package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
)

// A wrapper in a sibling file of the same package.
func curveKey(c elliptic.Curve) (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(c, rand.Reader)
}
