/* bench/liboqs_native.py's reference: liboqs operations in a plain C loop.
 *
 *   oqs_speed kem|sig ALG [MESSAGE_BYTES]
 *
 * Built by the bench with the machine's cc against the liboqs that scripts/build_liboqs.sh
 * installed (the same library file the testbed loads). Makes its inputs once (a key pair,
 * a ciphertext or a signature, as liboqs's own tests/speed_kem.c does), says "ready", then
 * reads lines "OPERATION SECONDS" (keygen, encaps, decaps, sign, verify) from standard input
 * and, for each, warms up as testbed.timing.run_benchmark does (up to 3 untimed calls,
 * fewer once a quarter of SECONDS has passed), then runs the operation until SECONDS have
 * passed, each call timed with CLOCK_MONOTONIC and the loop's CPU time with
 * CLOCK_PROCESS_CPUTIME_ID, and answers one line:
 *   iterations=N wall_ns=W cpu_ns=C p50_ns=P mean_ns=M
 * Staying alive between requests lets the bench interleave it finely with the testbed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <oqs/oqs.h>

static OQS_KEM *kem;
static OQS_SIG *sig;
static uint8_t *pk, *sk, *ct, *sg, *msg, *out1, *out2;
static size_t sg_len, msg_len;
static int64_t *lat;
static size_t cap = 1024;

static int64_t clock_ns(clockid_t id) {
	struct timespec t;
	clock_gettime(id, &t);
	return (int64_t) t.tv_sec * 1000000000LL + (int64_t) t.tv_nsec;
}

static int cmp_i64(const void *a, const void *b) {
	int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
	return (x > y) - (x < y);
}

static size_t max_size(size_t a, size_t b) {
	return a > b ? a : b;
}

static void die(const char *what) {
	fprintf(stderr, "oqs_speed: %s\n", what);
	exit(2);
}

/* 64-byte aligned (a cache line), as the testbed's native loop aligns its buffers */
static void *need(size_t size) {
	size_t rounded = (size + 63) / 64 * 64;
	void *p = aligned_alloc(64, rounded ? rounded : 64);
	if (p == NULL) die("out of memory");
	memset(p, 0, rounded ? rounded : 64);
	return p;
}

static void setup(int is_kem, const char *alg) {
	uint8_t *ss;
	if (is_kem) {
		if ((kem = OQS_KEM_new(alg)) == NULL) die("unknown KEM");
		pk = need(kem->length_public_key);
		sk = need(kem->length_secret_key);
		ct = need(kem->length_ciphertext);
		ss = need(kem->length_shared_secret);
		if (OQS_KEM_keypair(kem, pk, sk) != OQS_SUCCESS) die("keypair failed");
		if (OQS_KEM_encaps(kem, ct, ss, pk) != OQS_SUCCESS) die("encaps failed");
		free(ss);
		/* scratch outputs, so the inputs above stay as they are */
		out1 = need(max_size(kem->length_public_key, kem->length_ciphertext));
		out2 = need(max_size(kem->length_secret_key, kem->length_shared_secret));
	} else {
		if ((sig = OQS_SIG_new(alg)) == NULL) die("unknown signature algorithm");
		pk = need(sig->length_public_key);
		sk = need(sig->length_secret_key);
		sg = need(sig->length_signature);
		msg = need(msg_len);
		memset(msg, 'm', msg_len);
		sg_len = sig->length_signature;
		if (OQS_SIG_keypair(sig, pk, sk) != OQS_SUCCESS) die("keypair failed");
		if (OQS_SIG_sign(sig, sg, &sg_len, msg, msg_len, sk) != OQS_SUCCESS) die("sign failed");
		out1 = need(max_size(sig->length_public_key, sig->length_signature));
		out2 = need(sig->length_secret_key);
	}
	lat = need(sizeof(int64_t) * cap);
}

static OQS_STATUS call(int code) {
	size_t len;
	switch (code) {
	case 0:
		return kem ? OQS_KEM_keypair(kem, out1, out2) : OQS_SIG_keypair(sig, out1, out2);
	case 1:
		return OQS_KEM_encaps(kem, out1, out2, pk);
	case 2:
		return OQS_KEM_decaps(kem, out2, ct, sk);
	case 3:
		len = sig->length_signature;
		return OQS_SIG_sign(sig, out1, &len, msg, msg_len, sk);
	default:
		return OQS_SIG_verify(sig, msg, msg_len, sg, sg_len, pk);
	}
}

/* run_benchmark's warm-up: `warmup` (3) calls, cut short after a quarter of the budget */
static void warm_up(int code, double seconds) {
	const int64_t deadline = clock_ns(CLOCK_MONOTONIC) + (int64_t) (seconds * 1e9 / 4);
	for (int i = 0; i < 3; i++) {
		if (call(code) != OQS_SUCCESS) die("operation failed");
		if (clock_ns(CLOCK_MONOTONIC) > deadline) break;
	}
}

static void run(int code, double seconds) {
	size_t n = 0;
	warm_up(code, seconds);
	const int64_t wall0 = clock_ns(CLOCK_MONOTONIC), cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	const int64_t deadline = wall0 + (int64_t) (seconds * 1e9);
	int64_t t1;
	do {
		int64_t t0 = clock_ns(CLOCK_MONOTONIC);
		OQS_STATUS rc = call(code);
		t1 = clock_ns(CLOCK_MONOTONIC);
		if (rc != OQS_SUCCESS) die("operation failed");
		if (n == cap) {
			cap *= 2;
			lat = realloc(lat, sizeof(int64_t) * cap);
			if (lat == NULL) die("out of memory");
		}
		lat[n++] = t1 - t0;
	} while (t1 < deadline);
	const int64_t cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0, wall = t1 - wall0;
	int64_t total = 0;
	for (size_t i = 0; i < n; i++) total += lat[i];
	qsort(lat, n, sizeof(int64_t), cmp_i64);
	size_t rank = (n * 50 + 99) / 100; /* nearest-rank median, as testbed.timing.percentile */
	printf("iterations=%zu wall_ns=%lld cpu_ns=%lld p50_ns=%lld mean_ns=%lld\n", n,
	       (long long) wall, (long long) cpu, (long long) lat[(rank ? rank : 1) - 1],
	       (long long) (total / (int64_t) n));
	fflush(stdout);
}

int main(int argc, char **argv) {
	if (argc < 3) die("usage: oqs_speed kem|sig ALG [MESSAGE_BYTES]");
	const int is_kem = strcmp(argv[1], "kem") == 0;
	msg_len = argc > 3 ? (size_t) atol(argv[3]) : 64;
	OQS_init();
	setup(is_kem, argv[2]);
	printf("ready\n");
	fflush(stdout);
	char op[16];
	double seconds;
	while (scanf("%15s %lf", op, &seconds) == 2) {
		int code = strcmp(op, "keygen") == 0 ? 0 : strcmp(op, "encaps") == 0 ? 1
		           : strcmp(op, "decaps") == 0 ? 2 : strcmp(op, "sign") == 0 ? 3
		           : strcmp(op, "verify") == 0 ? 4 : -1;
		if (code < 0 || (is_kem && code > 2) || (!is_kem && (code == 1 || code == 2))) {
			die("unknown operation");
		}
		run(code, seconds);
	}
	OQS_KEM_free(kem);
	OQS_SIG_free(sig);
	OQS_destroy();
	return 0;
}
