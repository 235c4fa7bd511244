#!/usr/bin/env bash
# Build the liboqs C shared library that liboqs-python (the `oqs` module) loads.
#
# liboqs is in no reachable Debian or PyPI package; it is on crates.io inside the
# `oqs-sys` crate, which bundles the liboqs sources. This script lets cargo fetch that
# crate into a stub project kept in a cache directory OUTSIDE the repository, then runs
# cmake + ninja on the bundled sources to get a SHARED library (the crate's own build.rs
# only makes a static library and needs libclang for bindgen, so it is not used).
#
#   scripts/build_liboqs.sh            # prints the install prefix (OQS_INSTALL_PATH)
#
# Idempotent: when <cache>/install/lib/liboqs.so already exists nothing is rebuilt.
# Needs only cargo, cmake (>= 3.19), ninja and a C compiler. liboqs is built with
# OQS_USE_OPENSSL=OFF (no libssl-dev needed) and OQS_DIST_BUILD=ON (portable, with
# run-time CPU feature dispatch for AVX2 etc.).
#
# Compatibility shim: liboqs-python 0.16 (the only release on PyPI) calls
# OQS_SIG_supports_ctx_str(), which liboqs gained after 0.13.0 (the newest liboqs on
# crates.io). The structs it reads (OQS_KEM, OQS_SIG) have the same layout in 0.13.0,
# checked field by field; so we compile that one function into liboqs.so, implemented
# through the 0.13 public API (OQS_SIG_new()->sig_with_ctx_support). Without it
# `import oqs` fails with AttributeError.
#
# Environment:
#   PQCPLAN_CACHE     cache root (default: $HOME/.cache/pqcplan)
#   OQS_SYS_VERSION   exact oqs-sys crate version (default below)
#   JOBS              parallel build jobs (default: number of cores)
set -euo pipefail

OQS_SYS_VERSION="${OQS_SYS_VERSION:-0.11.0+liboqs-0.13.0}"
LIBOQS_VERSION="${OQS_SYS_VERSION#*+liboqs-}"
CACHE_ROOT="${PQCPLAN_CACHE:-$HOME/.cache/pqcplan}"
BASE="$CACHE_ROOT/liboqs/$LIBOQS_VERSION"
INSTALL="$BASE/install"
JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}"

log() { echo "build_liboqs: $*" >&2; }

# The testbed's native timing loop (testbed/engines/native/oqs_loop.c, pqcplan's own code):
# a small shared library linked to the liboqs installed here, kept under the sha256 of its
# source so that checkouts with different versions of it share one cache. Best effort: the
# testbed says "native loop unavailable" and times per call without it.
LOOP_SRC="$(cd "$(dirname "$0")/.." && pwd)/testbed/engines/native/oqs_loop.c"
build_loop() {
    [[ -f "$LOOP_SRC" ]] || return 0
    local digest dir
    digest=$(sha256sum "$LOOP_SRC" | cut -c1-16)
    dir="$BASE/oqs_loop/$digest"
    [[ -e "$dir/liboqs_loop.so" ]] && return 0
    mkdir -p "$dir"
    if cc -O2 -fPIC -shared -I"$INSTALL/include" -o "$dir/liboqs_loop.so.tmp.$$" "$LOOP_SRC" \
        -L"$INSTALL/lib" -Wl,-rpath,"$INSTALL/lib" -loqs 2>"$dir/build.log"; then
        mv "$dir/liboqs_loop.so.tmp.$$" "$dir/liboqs_loop.so"
        log "native timing loop built: $dir/liboqs_loop.so"
    else
        log "native timing loop did not build (see $dir/build.log); benchmarks time per call"
        rm -f "$dir/liboqs_loop.so.tmp.$$"
    fi
}

if [[ -e "$INSTALL/lib/liboqs.so" && -f "$INSTALL/include/oqs/oqs.h" ]]; then
    log "liboqs $LIBOQS_VERSION already installed"
    build_loop
    echo "$INSTALL"
    exit 0
fi

for tool in cargo cmake ninja cc; do
    command -v "$tool" >/dev/null 2>&1 || { log "missing required tool: $tool"; exit 1; }
done

mkdir -p "$BASE"
# One build at a time per cache dir (flock is in util-linux; skip the lock if absent).
if command -v flock >/dev/null 2>&1; then
    exec 9>"$BASE/.lock"
    flock 9
    if [[ -e "$INSTALL/lib/liboqs.so" && -f "$INSTALL/include/oqs/oqs.h" ]]; then
        build_loop
        echo "$INSTALL"
        exit 0
    fi
fi

start=$(date +%s)

# 1. Stub cargo project pinning oqs-sys; cargo fetch downloads the crate (and its liboqs
#    sources) into cargo's registry cache.
STUB="$BASE/crate"
mkdir -p "$STUB/src"
cat >"$STUB/Cargo.toml" <<EOF
[package]
name = "pqcplan-liboqs-fetch"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
oqs-sys = { version = "=$OQS_SYS_VERSION", default-features = false }
EOF
: >"$STUB/src/lib.rs"
log "fetching oqs-sys $OQS_SYS_VERSION with cargo"
cargo fetch --quiet --manifest-path "$STUB/Cargo.toml"

# 2. Where cargo unpacked the crate: ask cargo, do not guess the registry path.
CRATE_MANIFEST=$(cargo metadata --format-version 1 --manifest-path "$STUB/Cargo.toml" \
    | tr ',' '\n' \
    | grep -o '"manifest_path":"[^"]*oqs-sys-[^"]*/Cargo.toml"' \
    | head -n1 | sed 's/^"manifest_path":"//; s/"$//')
SRC="$(dirname "$CRATE_MANIFEST")/liboqs"
if [[ ! -f "$SRC/CMakeLists.txt" ]]; then
    log "liboqs sources not found in the oqs-sys crate (looked at $SRC)"
    exit 1
fi
log "liboqs sources: $SRC"

# 3. The compatibility shim, added to the `oqs` target through a deferred cmake call, so
#    the liboqs sources themselves stay untouched.
SHIM="$BASE/shim"
mkdir -p "$SHIM"
cat >"$SHIM/oqs_compat.c" <<'EOF'
/* pqcplan compatibility shim: API used by liboqs-python 0.16, missing in liboqs 0.13. */
#include <stdbool.h>
#include <oqs/oqs.h>

OQS_API bool OQS_SIG_supports_ctx_str(const char *alg_name) {
	OQS_SIG *sig = OQS_SIG_new(alg_name);
	bool supported = false;
	if (sig != NULL) {
		supported = sig->sig_with_ctx_support;
		OQS_SIG_free(sig);
	}
	return supported;
}
EOF
cat >"$SHIM/compat.cmake" <<EOF
cmake_language(DEFER DIRECTORY "\${CMAKE_SOURCE_DIR}" CALL
    target_sources oqs PRIVATE "$SHIM/oqs_compat.c")
EOF

# 4. Configure, build, install into a staging dir, then move into place atomically.
BUILD="$BASE/build"
STAGE="$BASE/install.tmp"
rm -rf "$BUILD" "$STAGE"
log "configuring (cmake -GNinja, shared, no OpenSSL)"
cmake -S "$SRC" -B "$BUILD" -GNinja \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$STAGE" \
    -DCMAKE_INSTALL_LIBDIR=lib \
    -DCMAKE_PROJECT_INCLUDE="$SHIM/compat.cmake" \
    -DBUILD_SHARED_LIBS=ON \
    -DOQS_BUILD_ONLY_LIB=ON \
    -DOQS_USE_OPENSSL=OFF \
    -DOQS_DIST_BUILD=ON >"$BASE/cmake-configure.log" 2>&1 \
    || { log "cmake configure failed; see $BASE/cmake-configure.log"; tail -n 30 "$BASE/cmake-configure.log" >&2; exit 1; }
log "building with ninja -j$JOBS"
cmake --build "$BUILD" --parallel "$JOBS" >"$BASE/cmake-build.log" 2>&1 \
    || { log "build failed; see $BASE/cmake-build.log"; tail -n 30 "$BASE/cmake-build.log" >&2; exit 1; }
cmake --install "$BUILD" >"$BASE/cmake-install.log" 2>&1

# (grep without -q: under pipefail an early-exiting grep would fail the pipeline)
if command -v nm >/dev/null 2>&1 \
    && ! nm -D --defined-only "$STAGE/lib/liboqs.so" | grep ' OQS_SIG_supports_ctx_str$' >/dev/null; then
    log "built library lacks the OQS_SIG_supports_ctx_str shim"
    exit 1
fi

rm -rf "$INSTALL"
mv "$STAGE" "$INSTALL"
rm -rf "$BUILD"
log "liboqs $LIBOQS_VERSION built in $(( $(date +%s) - start ))s"
build_loop
echo "$INSTALL"
