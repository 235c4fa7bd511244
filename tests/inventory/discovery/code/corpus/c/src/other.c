/* Declares no header with the wrapper: its own make_rsa_key is a different function. */
#include <stdio.h>

static int make_rsa_key(int bits) { return bits + 1; }

int other(void) {
    return make_rsa_key(1024); /* this file's own function */
}
