// A vendor's product for the testbed's grader tests: independent code that the testbed
// grades, honest by default, with deliberate faults switched on by name.
//
// KEMs: ML-KEM-768 and ML-KEM-1024 on Go's crypto/mlkem (and crypto/mlkem/mlkemtest for
// derandomized encapsulation, used only by the fixed-message faults), X25519MLKEM768 laid
// out as TLS codepoint 0x11EC (ML-KEM part first). Signatures: ML-DSA-44/65/87 on
// Cloudflare CIRCL, with FIPS 204 contexts.
//
// One JSON request on stdin, one JSON answer on stdout:
//
//	{"op":"keygen","alg":A}                                   -> {"pk":hex,"sk":hex}
//	{"op":"decaps","alg":A,"sk":hex,"cts":[hex],"nonce":hex,"confirm":bool,"faults":[...]}
//	    -> {"answers":[{"ss":hex}|{"confirmation":hex}|{"rejected":true}]}
//	{"op":"encaps","alg":A,"pks":[hex],"faults":[...]}       -> {"answers":[{"ct","ss"}|{"rejected":true}]}
//	{"op":"sign","alg":A,"sk":hex,"msg":hex,"ctx":hex,"faults":[...]} -> {"sig":hex}
//	{"op":"verify","alg":A,"items":[{"pk","msg","ctx","sig"}],"faults":[...]} -> {"results":[bool]}
//
// Receiver faults replace the value returned when the FIPS 203 re-encryption check fails
// (the product sees that: its output equals J(z || c) computed from its own seed):
// ir_sha3 SHA3-256(c), ir_j0 J(0^32 || c), ir_hek SHA3-256(ek), ir_random fresh random
// bytes, ir_zero, ir_constant, ir_echo (c's first bytes), ir_signal (reports failure);
// wrong_ss flips a bit of every secret. Sender faults: m_zero / m_ff (encapsulate with
// m = 0^32 / 0xFF^32), reuse (one encapsulation per key, repeated), x25519_fixed (a fixed
// ephemeral X25519 key), no_key_checks (answer malformed keys with random bytes).
// Signature faults: sign_ignore_ctx, verify_ignore_ctx, accept_all, flip_sig.
package main

import (
	"bytes"
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/mlkem"
	"crypto/mlkem/mlkemtest"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha3"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"github.com/cloudflare/circl/sign"
	"github.com/cloudflare/circl/sign/schemes"
)

type item struct {
	PK  string `json:"pk"`
	Msg string `json:"msg"`
	Ctx string `json:"ctx"`
	Sig string `json:"sig"`
}

type request struct {
	Op      string   `json:"op"`
	Alg     string   `json:"alg"`
	SK      string   `json:"sk"`
	CTs     []string `json:"cts"`
	PKs     []string `json:"pks"`
	Nonce   string   `json:"nonce"`
	Confirm bool     `json:"confirm"`
	Msg     string   `json:"msg"`
	Ctx     string   `json:"ctx"`
	Items   []item   `json:"items"`
	Faults  []string `json:"faults"`
}

var faults = map[string]bool{}

// one fixed value for ir_constant, the same for every item of a run
var constant = bytes.Repeat([]byte{0x5a}, 32)

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

func random(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		fail(err)
	}
	return b
}

// --- ML-KEM ---------------------------------------------------------------------------

type mlkemKey interface {
	Decapsulate([]byte) ([]byte, error)
	Bytes() []byte
}

// ML-KEM sizes: encapsulation key, ciphertext
func mlkemSizes(alg string) (int, int) {
	if alg == "ML-KEM-1024" {
		return mlkem.EncapsulationKeySize1024, mlkem.CiphertextSize1024
	}
	return mlkem.EncapsulationKeySize768, mlkem.CiphertextSize768
}

func mlkemKeygen(alg string) (ek, seed []byte) {
	if alg == "ML-KEM-1024" {
		dk, err := mlkem.GenerateKey1024()
		if err != nil {
			fail(err)
		}
		return dk.EncapsulationKey().Bytes(), dk.Bytes()
	}
	dk, err := mlkem.GenerateKey768()
	if err != nil {
		fail(err)
	}
	return dk.EncapsulationKey().Bytes(), dk.Bytes()
}

func mlkemDecapsKey(alg string, seed []byte) (mlkemKey, []byte) {
	if alg == "ML-KEM-1024" {
		dk, err := mlkem.NewDecapsulationKey1024(seed)
		if err != nil {
			fail(err)
		}
		return dk, dk.EncapsulationKey().Bytes()
	}
	dk, err := mlkem.NewDecapsulationKey768(seed)
	if err != nil {
		fail(err)
	}
	return dk, dk.EncapsulationKey().Bytes()
}

// decapsulate ML-KEM; when the re-encryption check failed (the output is J(z || c)), the
// rejection faults replace the output
func mlkemDecaps(alg string, seed, ct []byte) []byte {
	dk, ek := mlkemDecapsKey(alg, seed)
	ss, err := dk.Decapsulate(ct)
	if err != nil {
		return nil
	}
	j := make([]byte, 32)
	h := sha3.NewSHAKE256()
	h.Write(seed[32:64]) // z
	h.Write(ct)
	h.Read(j)
	if !bytes.Equal(ss, j) {
		return ss
	}
	switch {
	case faults["ir_sha3"]:
		d := sha3.Sum256(ct)
		return d[:]
	case faults["ir_j0"]:
		out := make([]byte, 32)
		h := sha3.NewSHAKE256()
		h.Write(make([]byte, 32))
		h.Write(ct)
		h.Read(out)
		return out
	case faults["ir_hek"]:
		d := sha3.Sum256(ek)
		return d[:]
	case faults["ir_random"]:
		return random(32)
	case faults["ir_zero"]:
		return make([]byte, 32)
	case faults["ir_constant"]:
		return constant
	case faults["ir_echo"]:
		return ct[:32]
	case faults["ir_signal"]:
		return nil
	}
	return ss
}

func mlkemEncaps(alg string, ek []byte) (ss, ct []byte, err error) {
	var m []byte
	if faults["m_zero"] {
		m = make([]byte, 32)
	} else if faults["m_ff"] {
		m = bytes.Repeat([]byte{0xff}, 32)
	}
	if alg == "ML-KEM-1024" {
		key, err := mlkem.NewEncapsulationKey1024(ek)
		if err != nil {
			return nil, nil, err
		}
		if m != nil {
			return mlkemtest.Encapsulate1024(key, m)
		}
		ss, ct := key.Encapsulate()
		return ss, ct, nil
	}
	key, err := mlkem.NewEncapsulationKey768(ek)
	if err != nil {
		return nil, nil, err
	}
	if m != nil {
		return mlkemtest.Encapsulate768(key, m)
	}
	ss, ct = key.Encapsulate()
	return ss, ct, nil
}

// --- the KEMs the product offers --------------------------------------------------------

const xLen = 32

func hybrid(alg string) bool { return alg == "X25519MLKEM768" }

func keygen(alg string) (pk, sk []byte) {
	if !hybrid(alg) {
		return mlkemKeygen(alg)
	}
	ek, seed := mlkemKeygen("ML-KEM-768")
	x, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		fail(err)
	}
	return append(ek, x.PublicKey().Bytes()...), append(seed, x.Bytes()...)
}

func decaps(alg string, sk, ct []byte) []byte {
	_, ctLen := mlkemSizes(alg)
	if !hybrid(alg) {
		if len(ct) != ctLen {
			return nil
		}
		return mlkemDecaps(alg, sk, ct)
	}
	if len(ct) != mlkem.CiphertextSize768+xLen {
		return nil
	}
	ssM := mlkemDecaps("ML-KEM-768", sk[:mlkem.SeedSize], ct[:mlkem.CiphertextSize768])
	if ssM == nil {
		return nil
	}
	x, err := ecdh.X25519().NewPrivateKey(sk[mlkem.SeedSize:])
	if err != nil {
		fail(err)
	}
	peer, err := ecdh.X25519().NewPublicKey(ct[mlkem.CiphertextSize768:])
	if err != nil {
		return nil
	}
	ssX, err := x.ECDH(peer)
	if err != nil {
		return nil
	}
	return append(append([]byte{}, ssM...), ssX...)
}

func encaps(alg string, pk []byte) (ct, ss []byte, err error) {
	if !hybrid(alg) {
		ekLen, _ := mlkemSizes(alg)
		if len(pk) != ekLen {
			return nil, nil, fmt.Errorf("key is %d bytes", len(pk))
		}
		ss, ct, err := mlkemEncaps(alg, pk)
		return ct, ss, err
	}
	if len(pk) != mlkem.EncapsulationKeySize768+xLen {
		return nil, nil, fmt.Errorf("key share is %d bytes", len(pk))
	}
	ssM, ctM, err := mlkemEncaps("ML-KEM-768", pk[:mlkem.EncapsulationKeySize768])
	if err != nil {
		return nil, nil, err
	}
	peer, err := ecdh.X25519().NewPublicKey(pk[mlkem.EncapsulationKeySize768:])
	if err != nil {
		return nil, nil, err
	}
	var eph *ecdh.PrivateKey
	if faults["x25519_fixed"] {
		eph, err = ecdh.X25519().NewPrivateKey(bytes.Repeat([]byte{1}, 32))
	} else {
		eph, err = ecdh.X25519().GenerateKey(rand.Reader)
	}
	if err != nil {
		fail(err)
	}
	ssX, err := eph.ECDH(peer)
	if err != nil {
		return nil, nil, err
	}
	return append(ctM, eph.PublicKey().Bytes()...), append(ssM, ssX...), nil
}

func secretSize(alg string) int {
	if hybrid(alg) {
		return 32 + xLen
	}
	return 32
}

// --- ML-DSA -----------------------------------------------------------------------------

func scheme(alg string) sign.Scheme {
	s := schemes.ByName(alg)
	if s == nil {
		fail(fmt.Errorf("no signature scheme %q", alg))
	}
	return s
}

func context(ctx []byte, ignore bool) *sign.SignatureOpts {
	if ignore || len(ctx) == 0 {
		return nil
	}
	return &sign.SignatureOpts{Context: string(ctx)}
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fail(err)
	}
	for _, f := range req.Faults {
		faults[f] = true
	}
	var out any
	switch req.Op {
	case "keygen":
		if s := schemes.ByName(req.Alg); s != nil {
			pk, sk, err := s.GenerateKey()
			if err != nil {
				fail(err)
			}
			pkb, _ := pk.MarshalBinary()
			skb, _ := sk.MarshalBinary()
			out = map[string]string{"pk": hex.EncodeToString(pkb), "sk": hex.EncodeToString(skb)}
			break
		}
		pk, sk := keygen(req.Alg)
		out = map[string]string{"pk": hex.EncodeToString(pk), "sk": hex.EncodeToString(sk)}
	case "decaps":
		sk, nonce := unhex(req.SK), unhex(req.Nonce)
		answers := []map[string]any{}
		for _, c := range req.CTs {
			ss := decaps(req.Alg, sk, unhex(c))
			switch {
			case ss == nil:
				answers = append(answers, map[string]any{"rejected": true})
			case req.Confirm:
				if faults["wrong_ss"] {
					ss[0] ^= 1
				}
				mac := hmac.New(sha256.New, ss)
				mac.Write([]byte("pqcplan-kem-confirm/2"))
				mac.Write(nonce)
				answers = append(answers, map[string]any{"confirmation": hex.EncodeToString(mac.Sum(nil))})
			default:
				if faults["wrong_ss"] {
					ss[0] ^= 1
				}
				answers = append(answers, map[string]any{"ss": hex.EncodeToString(ss)})
			}
		}
		out = map[string]any{"answers": answers}
	case "encaps":
		answers := []map[string]any{}
		reused := map[string]map[string]any{}
		for _, p := range req.PKs {
			if prior, ok := reused[p]; ok && faults["reuse"] {
				answers = append(answers, prior)
				continue
			}
			ct, ss, err := encaps(req.Alg, unhex(p))
			var answer map[string]any
			switch {
			case err != nil && faults["no_key_checks"]:
				_, ctLen := mlkemSizes(req.Alg)
				if hybrid(req.Alg) {
					ctLen = mlkem.CiphertextSize768 + xLen
				}
				answer = map[string]any{
					"ct": hex.EncodeToString(random(ctLen)),
					"ss": hex.EncodeToString(random(secretSize(req.Alg))),
				}
			case err != nil:
				answer = map[string]any{"rejected": true}
			default:
				if faults["wrong_ss"] {
					ss[0] ^= 1
				}
				answer = map[string]any{"ct": hex.EncodeToString(ct), "ss": hex.EncodeToString(ss)}
			}
			reused[p] = answer
			answers = append(answers, answer)
		}
		out = map[string]any{"answers": answers}
	case "sign":
		s := scheme(req.Alg)
		sk, err := s.UnmarshalBinaryPrivateKey(unhex(req.SK))
		if err != nil {
			fail(err)
		}
		sig := s.Sign(sk, unhex(req.Msg), context(unhex(req.Ctx), faults["sign_ignore_ctx"]))
		if faults["flip_sig"] {
			sig[100] ^= 8
		}
		out = map[string]string{"sig": hex.EncodeToString(sig)}
	case "verify":
		s := scheme(req.Alg)
		results := []bool{}
		for _, it := range req.Items {
			ok := false
			pk, err := s.UnmarshalBinaryPublicKey(unhex(it.PK))
			sig := unhex(it.Sig)
			if err == nil && len(sig) == s.SignatureSize() {
				opts := context(unhex(it.Ctx), faults["verify_ignore_ctx"])
				ok = s.Verify(pk, unhex(it.Msg), sig, opts)
			}
			results = append(results, ok || faults["accept_all"])
		}
		out = map[string]any{"results": results}
	default:
		fail(fmt.Errorf("unknown op %q", req.Op))
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err)
	}
}
