// Command tlsserver is a loopback TLS peer built on Go's crypto/tls for pqcplan's discovery
// tests: it listens on -count ports, prints them as one JSON line, and serves -cert/-key with
// exactly the key exchange groups named in -groups (Go picks among them in its own fixed
// order, post-quantum groups first). -clientauth request|require asks for a client
// certificate (tls.RequestClientCert / tls.RequireAnyClientCert), naming the CAs in -clientca.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strings"
	"time"
)

var groupNames = map[string]tls.CurveID{
	"X25519MLKEM768":     tls.X25519MLKEM768,
	"SecP256r1MLKEM768":  tls.SecP256r1MLKEM768,
	"SecP384r1MLKEM1024": tls.SecP384r1MLKEM1024,
	"X25519":             tls.X25519,
	"P256":               tls.CurveP256,
	"P384":               tls.CurveP384,
	"P521":               tls.CurveP521,
}

var versions = map[string]uint16{"1.0": tls.VersionTLS10, "1.1": tls.VersionTLS11, "1.2": tls.VersionTLS12, "1.3": tls.VersionTLS13}

func main() {
	certFile := flag.String("cert", "", "PEM certificate chain, leaf first")
	keyFile := flag.String("key", "", "PEM private key of the leaf")
	groups := flag.String("groups", "", "comma-separated groups (empty: Go's default)")
	minV := flag.String("min", "1.2", "lowest TLS version")
	maxV := flag.String("max", "1.3", "highest TLS version")
	count := flag.Int("count", 1, "number of loopback ports to listen on")
	port := flag.Int("port", 0, "listen on this port (with -count 1); 0 picks a free one")
	clientAuth := flag.String("clientauth", "", "request (optional) or require a client certificate")
	clientCA := flag.String("clientca", "", "PEM certificates of the CAs the request names")
	flag.Parse()

	pair, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		log.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: versions[*minV], MaxVersion: versions[*maxV]}
	switch *clientAuth {
	case "":
	case "request":
		cfg.ClientAuth = tls.RequestClientCert
	case "require":
		cfg.ClientAuth = tls.RequireAnyClientCert
	default:
		log.Fatalf("unknown -clientauth %q", *clientAuth)
	}
	if *clientCA != "" {
		pem, err := os.ReadFile(*clientCA)
		if err != nil {
			log.Fatal(err)
		}
		cfg.ClientCAs = x509.NewCertPool()
		if !cfg.ClientCAs.AppendCertsFromPEM(pem) {
			log.Fatalf("no certificate in %s", *clientCA)
		}
	}
	if *groups != "" {
		for _, name := range strings.Split(*groups, ",") {
			id, ok := groupNames[name]
			if !ok {
				log.Fatalf("unknown group %q", name)
			}
			cfg.CurvePreferences = append(cfg.CurvePreferences, id)
		}
	}
	ports := make([]int, 0, *count)
	for i := 0; i < *count; i++ {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
		if err != nil {
			log.Fatal(err)
		}
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
		go serve(tls.NewListener(ln, cfg))
	}
	out, _ := json.Marshal(ports)
	fmt.Println(string(out))
	os.Stdout.Sync()
	io.Copy(io.Discard, os.Stdin) // exit when the test closes our stdin
}

func serve(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go func(c net.Conn) {
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			if err := c.(*tls.Conn).Handshake(); err == nil {
				c.Write([]byte("hello\n"))
			}
		}(conn)
	}
}
