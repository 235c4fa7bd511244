/* Two util.h in the tree and no include path known: which hash_named is meant cannot be
   determined here, so the call states nothing (each wrapper keeps its own unknown finding). */
#include "util.h"

const EVP_MD *pick(void) { return hash_named("md5"); }
