module pqcplan/tests/peers/tlsserver

go 1.26
