/* pqcplan: one liboqs operation timed in a loop that stays in C.
 *
 * The testbed's "native-loop" timing mode (testbed/timing.py) calls these functions through
 * ctypes once per batch of calls, so the per-call cost of crossing from Python (ctypes
 * argument conversion, output buffers, the engine's checks) is not counted in the
 * operation's latency. Each call is timed on its own with CLOCK_MONOTONIC (the clock behind
 * Python's time.perf_counter_ns), so medians and percentiles mean the same in both modes.
 *
 * Built by scripts/build_liboqs.sh against the liboqs it installs, into
 * <cache>/liboqs/<version>/oqs_loop/<sha256 of this file>/liboqs_loop.so; the Python side
 * (testbed/engines/oqs_native.py) looks for the copy built from this exact source.
 *
 * The inputs (keys, ciphertext, signature) were made and checked through the engine's
 * public API before the loop. They are copied into buffers of the loop's own, and outputs
 * go to scratch buffers, all aligned to 64 bytes (a cache line) as bench/native/oqs_speed.c
 * aligns its own, so that where Python happened to keep the bytes does not change a timing;
 * secret keys are wiped afterwards.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <oqs/oqs.h>

#define PQCPLAN_OQS_LOOP_ABI 1

enum { OP_KEYGEN = 0, OP_ENCAPS = 1, OP_DECAPS = 2, OP_SIGN = 3, OP_VERIFY = 4 };
enum { ERR_OPERATION = -1, ERR_REJECTED = -2, ERR_ARGUMENT = -3, ERR_MEMORY = -4 };

static int64_t now_ns(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t) t.tv_sec * 1000000000LL + (int64_t) t.tv_nsec;
}

/* A 64-byte aligned copy of `len` bytes of `src` (or zeroed scratch when src is NULL).
 * Only what the operation uses is sized: a buffer it does not touch gets `len` 0 (one cache
 * line), because a batch that copies, zeroes and wipes both keys of a scheme with large keys
 * (UOV: 0.3-1 MB each) spends a measurable part of a short batch outside the operation. */
static uint8_t *aligned_copy(const uint8_t *src, size_t len) {
	size_t rounded = len ? (len + 63) / 64 * 64 : 64;
	uint8_t *p = aligned_alloc(64, rounded);
	if (p != NULL) {
		if (src != NULL) {
			memcpy(p, src, len);
			memset(p + len, 0, rounded - len);
		} else {
			memset(p, 0, rounded);
		}
	}
	return p;
}

static void wipe_free(uint8_t *p, size_t len) {
	if (p != NULL) {
		OQS_MEM_cleanse(p, len);
		free(p);
	}
}

int pqcplan_oqs_loop_abi(void) {
	return PQCPLAN_OQS_LOOP_ABI;
}

int64_t pqcplan_oqs_now_ns(void) {
	return now_ns();
}

/* Run `op` until `deadline_ns` has passed or `capacity` calls are done (at least one call);
 * samples[i] = latency of call i in ns. Returns the number of calls, or a negative ERR_*. */
int64_t pqcplan_oqs_kem_loop(const OQS_KEM *kem, int op, const uint8_t *public_key,
                             const uint8_t *secret_key, const uint8_t *ciphertext,
                             int64_t deadline_ns, int64_t capacity, int64_t *samples) {
	if (kem == NULL || samples == NULL || capacity < 1) {
		return ERR_ARGUMENT;
	}
	if ((op == OP_ENCAPS && public_key == NULL) ||
	        (op == OP_DECAPS && (secret_key == NULL || ciphertext == NULL)) ||
	        (op != OP_KEYGEN && op != OP_ENCAPS && op != OP_DECAPS)) {
		return ERR_ARGUMENT;
	}
	/* inputs first (copied), then scratch outputs */
	size_t in_pk_len = op == OP_ENCAPS ? kem->length_public_key : 0;
	size_t in_sk_len = op == OP_DECAPS ? kem->length_secret_key : 0;
	size_t in_ct_len = op == OP_DECAPS ? kem->length_ciphertext : 0;
	size_t pk_len = op == OP_KEYGEN ? kem->length_public_key : 0;
	size_t sk_len = op == OP_KEYGEN ? kem->length_secret_key : 0;
	size_t ct_len = op == OP_ENCAPS ? kem->length_ciphertext : 0;
	uint8_t *in_pk = aligned_copy(in_pk_len ? public_key : NULL, in_pk_len);
	uint8_t *in_sk = aligned_copy(in_sk_len ? secret_key : NULL, in_sk_len);
	uint8_t *in_ct = aligned_copy(in_ct_len ? ciphertext : NULL, in_ct_len);
	uint8_t *pk = aligned_copy(NULL, pk_len);
	uint8_t *sk = aligned_copy(NULL, sk_len);
	uint8_t *ct = aligned_copy(NULL, ct_len);
	uint8_t *ss = aligned_copy(NULL, kem->length_shared_secret);
	int64_t n = 0;
	if (!in_pk || !in_sk || !in_ct || !pk || !sk || !ct || !ss) {
		n = ERR_MEMORY;
		goto done;
	}
	int64_t t1;
	do {
		OQS_STATUS rc;
		int64_t t0 = now_ns();
		if (op == OP_KEYGEN) {
			rc = OQS_KEM_keypair(kem, pk, sk);
		} else if (op == OP_ENCAPS) {
			rc = OQS_KEM_encaps(kem, ct, ss, in_pk);
		} else {
			rc = OQS_KEM_decaps(kem, ss, in_ct, in_sk);
		}
		t1 = now_ns();
		if (rc != OQS_SUCCESS) {
			n = ERR_OPERATION;
			goto done;
		}
		samples[n++] = t1 - t0;
	} while (n < capacity && t1 < deadline_ns);
done:
	free(in_pk);
	wipe_free(in_sk, in_sk_len);
	free(in_ct);
	free(pk);
	wipe_free(sk, sk_len);
	free(ct);
	wipe_free(ss, kem->length_shared_secret);
	return n;
}

/* As pqcplan_oqs_kem_loop for signatures; a verify that fails returns ERR_REJECTED. */
int64_t pqcplan_oqs_sig_loop(const OQS_SIG *sig, int op, const uint8_t *public_key,
                             const uint8_t *secret_key, const uint8_t *message,
                             size_t message_len, const uint8_t *signature, size_t signature_len,
                             int64_t deadline_ns, int64_t capacity, int64_t *samples) {
	if (sig == NULL || samples == NULL || capacity < 1 || (message == NULL && message_len)) {
		return ERR_ARGUMENT;
	}
	if ((op == OP_SIGN && secret_key == NULL) ||
	        (op == OP_VERIFY && (public_key == NULL || signature == NULL)) ||
	        (op != OP_KEYGEN && op != OP_SIGN && op != OP_VERIFY)) {
		return ERR_ARGUMENT;
	}
	size_t in_pk_len = op == OP_VERIFY ? sig->length_public_key : 0;
	size_t in_sk_len = op == OP_SIGN ? sig->length_secret_key : 0;
	size_t in_sig_len = op == OP_VERIFY ? signature_len : 0;
	size_t pk_len = op == OP_KEYGEN ? sig->length_public_key : 0;
	size_t sk_len = op == OP_KEYGEN ? sig->length_secret_key : 0;
	size_t out_size = op == OP_SIGN ? sig->length_signature : 0;
	uint8_t *in_pk = aligned_copy(in_pk_len ? public_key : NULL, in_pk_len);
	uint8_t *in_sk = aligned_copy(in_sk_len ? secret_key : NULL, in_sk_len);
	uint8_t *in_msg = aligned_copy(message, message_len);
	uint8_t *in_sig = aligned_copy(in_sig_len ? signature : NULL, in_sig_len);
	uint8_t *pk = aligned_copy(NULL, pk_len);
	uint8_t *sk = aligned_copy(NULL, sk_len);
	uint8_t *out = aligned_copy(NULL, out_size);
	int64_t n = 0;
	if (!in_pk || !in_sk || !in_msg || !in_sig || !pk || !sk || !out) {
		n = ERR_MEMORY;
		goto done;
	}
	int64_t t1;
	do {
		OQS_STATUS rc;
		size_t out_len = sig->length_signature;
		int64_t t0 = now_ns();
		if (op == OP_KEYGEN) {
			rc = OQS_SIG_keypair(sig, pk, sk);
		} else if (op == OP_SIGN) {
			rc = OQS_SIG_sign(sig, out, &out_len, in_msg, message_len, in_sk);
		} else {
			rc = OQS_SIG_verify(sig, in_msg, message_len, in_sig, signature_len, in_pk);
		}
		t1 = now_ns();
		if (rc != OQS_SUCCESS) {
			n = op == OP_VERIFY ? ERR_REJECTED : ERR_OPERATION;
			goto done;
		}
		samples[n++] = t1 - t0;
	} while (n < capacity && t1 < deadline_ns);
done:
	free(in_pk);
	wipe_free(in_sk, in_sk_len);
	free(in_msg);
	free(in_sig);
	free(pk);
	wipe_free(sk, sk_len);
	free(out);
	return n;
}
