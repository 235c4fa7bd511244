package main

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/md5"
	"crypto/mlkem"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"fmt"

	"example.com/payments/internal/config"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/curve25519"
)

func keys(n int) {
	a, _ := rsa.GenerateKey(rand.Reader, config.RSABits) // expect: RSA-1024 key_size=1024
	b, _ := rsa.GenerateKey(rand.Reader, signingBits) // expect: RSA-3072 key_size=3072
	c, _ := rsa.GenerateKey(rand.Reader, n) // expect: RSA unknown=key_size
	d, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader) // expect: ECDSA-P256 curve=P-256
	_, e, _ := ed25519.GenerateKey(rand.Reader) // expect: Ed25519
	f, _ := mlkem.GenerateKey768() // expect: ML-KEM-768
	_, _, _, _, _, _ = a, b, c, d, e, f
}

func ciphers(msg []byte) {
	key := make([]byte, config.KeyBytes)
	block, _ := aes.NewCipher(key) // expect: AES-192 key_size=192
	gcm, _ := cipher.NewGCM(block) // expect: AES-192 key_size=192 mode=GCM
	aead, _ := chacha20poly1305.New(key) // expect: ChaCha20-Poly1305
	shared, _ := curve25519.X25519(key, curve25519.Basepoint) // expect: X25519
	_, _, _ = gcm, aead, shared
}

func digests(msg []byte, k *rsa.PrivateKey) {
	h1 := md5.Sum(msg) // expect: MD5
	h2 := sha1.New() // expect: SHA-1
	h3 := sha256.Sum256(msg) // expect: SHA-256
	m := hmac.New(sha256.New, msg) // expect: HMAC-SHA256 digest=SHA-256
	s, _ := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA1, h3[:]) // expect: RSA-SHA1 digest=SHA-1 padding=PKCS1-v1_5
	_, _, _, _ = h1, h2, m, s
}

func server() *tls.Config {
	return &tls.Config{ // expect: TLS 1.0; X25519MLKEM768; ECDH-P256 curve=P-256
		MinVersion:       tls.VersionTLS10,
		CurvePreferences: []tls.CurveID{tls.X25519MLKEM768, tls.CurveP256},
	}
}

func lookAlikes(rsaName string) {
	md5 := "md5" // a variable named md5
	fmt.Println("rsa.GenerateKey(rand.Reader, 1024) is forbidden", md5, rsaName)
	// sha1.New() in a comment
}

func main() {}
