// glibc gives every thread that meets a locked arena a new one (up to 8 per core), each a 64 MB reservation of
// which the touched pages stay resident: after a load, seven arenas held 6.3 MB of dho-gatewayd's 65 MB although
// it has 5-6 MB in use. Two arenas are plenty for its few threads (issue 16). Set here, in a constructor that
// runs before main and before any thread exists, so that the daemon gets it under systemd, in the tests and in
// the benchmarks alike, without an environment variable that a unit file or a harness could forget.
#include <malloc.h>
#include <stdlib.h>
#include "CDaemonMemory.h"

static int applied_limit = 0;

__attribute__((constructor)) static void dho_limit_malloc_arenas(void) {
    if (getenv("MALLOC_ARENA_MAX") != NULL) return;  // an explicit setting wins (glibc reads it itself)
    if (mallopt(M_ARENA_MAX, 2) == 1) applied_limit = 2;
}

int dho_malloc_arena_limit(void) { return applied_limit; }
