// Command sshserver is a loopback SSH peer built on golang.org/x/crypto/ssh for pqcplan's
// discovery tests. It offers exactly the key exchanges in -kex with an Ed25519 and an
// ECDSA P-256 host key, prints its port as one JSON line, and serves until stdin closes.
package main

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
)

func main() {
	kex := flag.String("kex", "mlkem768x25519-sha256,curve25519-sha256", "key exchanges offered")
	flag.Parse()

	cfg := &ssh.ServerConfig{NoClientAuth: true}
	cfg.Config.KeyExchanges = strings.Split(*kex, ",")
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, k := range []any{edKey, ecKey} {
		signer, err := ssh.NewSignerFromKey(k)
		if err != nil {
			log.Fatal(err)
		}
		cfg.AddHostKey(signer)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	out, _ := json.Marshal([]int{ln.Addr().(*net.TCPAddr).Port})
	fmt.Println(string(out))
	os.Stdout.Sync()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				ssh.NewServerConn(c, cfg)
			}()
		}
	}()
	io.Copy(io.Discard, os.Stdin)
}
