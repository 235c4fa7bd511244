// An independent X25519MLKEM768 peer for the testbed's tests, on Go's standard library
// (crypto/mlkem and crypto/ecdh), laid out as TLS codepoint 0x11EC lays it out:
// key share = ML-KEM-768 encapsulation key || X25519 public key,
// ciphertext = ML-KEM-768 ciphertext || X25519 ephemeral public key,
// shared secret = ML-KEM-768 shared secret || X25519 shared secret.
//
// One JSON request on stdin, one JSON answer on stdout:
//
//	{"op":"keygen"}                       -> {"pk":hex,"sk":hex}
//	{"op":"encaps","pk":hex}              -> {"ct":hex,"ss":hex}
//	{"op":"decaps","sk":hex,"ct":hex}     -> {"ss":hex}
package main

import (
	"crypto/ecdh"
	"crypto/mlkem"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
)

type request struct {
	Op string `json:"op"`
	PK string `json:"pk"`
	SK string `json:"sk"`
	CT string `json:"ct"`
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		fail(err)
	}
	return b
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fail(err)
	}
	out := map[string]string{}
	switch req.Op {
	case "keygen":
		dk, err := mlkem.GenerateKey768()
		if err != nil {
			fail(err)
		}
		x, err := ecdh.X25519().GenerateKey(rand.Reader)
		if err != nil {
			fail(err)
		}
		out["pk"] = hex.EncodeToString(append(dk.EncapsulationKey().Bytes(), x.PublicKey().Bytes()...))
		out["sk"] = hex.EncodeToString(append(dk.Bytes(), x.Bytes()...))
	case "encaps":
		pk := unhex(req.PK)
		if len(pk) != mlkem.EncapsulationKeySize768+32 {
			fail(fmt.Errorf("key share is %d bytes", len(pk)))
		}
		ek, err := mlkem.NewEncapsulationKey768(pk[:mlkem.EncapsulationKeySize768])
		if err != nil {
			fail(err)
		}
		peer, err := ecdh.X25519().NewPublicKey(pk[mlkem.EncapsulationKeySize768:])
		if err != nil {
			fail(err)
		}
		ssM, ctM := ek.Encapsulate()
		eph, err := ecdh.X25519().GenerateKey(rand.Reader)
		if err != nil {
			fail(err)
		}
		ssX, err := eph.ECDH(peer)
		if err != nil {
			fail(err)
		}
		out["ct"] = hex.EncodeToString(append(ctM, eph.PublicKey().Bytes()...))
		out["ss"] = hex.EncodeToString(append(ssM, ssX...))
	case "decaps":
		sk, ct := unhex(req.SK), unhex(req.CT)
		if len(sk) != mlkem.SeedSize+32 || len(ct) != mlkem.CiphertextSize768+32 {
			fail(fmt.Errorf("secret key %d or ciphertext %d bytes", len(sk), len(ct)))
		}
		dk, err := mlkem.NewDecapsulationKey768(sk[:mlkem.SeedSize])
		if err != nil {
			fail(err)
		}
		x, err := ecdh.X25519().NewPrivateKey(sk[mlkem.SeedSize:])
		if err != nil {
			fail(err)
		}
		ssM, err := dk.Decapsulate(ct[:mlkem.CiphertextSize768])
		if err != nil {
			fail(err)
		}
		peer, err := ecdh.X25519().NewPublicKey(ct[mlkem.CiphertextSize768:])
		if err != nil {
			fail(err)
		}
		ssX, err := x.ECDH(peer)
		if err != nil {
			fail(err)
		}
		out["ss"] = hex.EncodeToString(append(ssM, ssX...))
	default:
		fail(fmt.Errorf("unknown op %q", req.Op))
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err)
	}
}
