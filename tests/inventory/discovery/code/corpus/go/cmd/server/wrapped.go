package main

import (
	"crypto/elliptic"

	"example.com/payments/internal/config"
	"example.com/payments/internal/keys"
	other "github.com/someone/keys"
)

type helper struct{}

func (helper) Make(bits int) int { return bits }

func wrapped(userBits int) {
	_, _ = keys.Make(1024)             // expect: RSA-1024 key_size=1024
	_, _ = keys.Make(config.RSABits)   // expect: RSA-1024 key_size=1024
	_, _ = keys.Make(userBits)         // expect: RSA unknown=key_size
	_, _ = curveKey(elliptic.P384())   // expect: ECDSA-P384 curve=P-384
	_ = keys.Scaled(1024)              // wraps no cryptography
	_ = other.Make(512)                // a package outside the module: nothing is known of it
	_ = helper{}.Make(512)             // a method named like the wrapper
}
