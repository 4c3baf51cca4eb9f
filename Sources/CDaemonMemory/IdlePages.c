// Gives back memory the daemon touched once and does not use while idle (issue 16: 49 MB resident idle, of which
// 44.5 MB were pages of its executable and shared libraries, mapped from the page cache, and only about 3 MB of
// them in use once it idled). The dynamic linker, the Swift runtime's metadata scans and the kernel's fault-around
// (16 pages mapped for every page touched) leave most of a library's code resident after start-up or a load,
// whether or not it runs again. Unmapping them (MADV_DONTNEED) reads nothing from disk: the pages stay in the page
// cache, and whatever runs again faults its page back in without I/O (a minor fault).
//
// Only mappings where that cannot lose data are touched: private mappings of a file, without write permission,
// holding no anonymous (copied-on-write) page. A library's relocated read-only data (RELRO) is such a copy and is
// skipped; code and constants are the file's own bytes. A read-only mapping cannot gain a copied page later
// without first being made writable, so the check cannot go stale before the call.
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "CDaemonMemory.h"

struct mapping {
    unsigned long start, end;
    int eligible;  // private, read-only, backed by a file
    long resident_kb, anonymous_kb;
};

static long release(struct mapping *m) {
    if (!m->eligible || m->anonymous_kb != 0 || m->resident_kb == 0) return 0;
    if (madvise((void *)m->start, m->end - m->start, MADV_DONTNEED) != 0) return 0;  // e.g. locked: left alone
    return m->resident_kb;
}

long dho_release_idle_memory(void) {
    malloc_trim(0);  // free heap pages of every arena back to the kernel
    FILE *smaps = fopen("/proc/self/smaps", "re");
    if (smaps == NULL) return -1;
    char line[4096];
    long released_kb = 0;
    struct mapping current = {0};
    while (fgets(line, sizeof line, smaps) != NULL) {
        unsigned long start, end, inode;
        char perms[5];
        int path_at = 0;
        if (sscanf(line, "%lx-%lx %4s %*s %*s %lu %n", &start, &end, perms, &inode, &path_at) == 4) {
            released_kb += release(&current);
            current = (struct mapping){.start = start, .end = end};
            current.eligible = inode != 0 && path_at > 0 && line[path_at] == '/'
                && perms[1] != 'w' && perms[3] == 'p';
        } else if (strncmp(line, "Rss:", 4) == 0) {
            sscanf(line + 4, "%ld", &current.resident_kb);
        } else if (strncmp(line, "Anonymous:", 10) == 0) {
            sscanf(line + 10, "%ld", &current.anonymous_kb);
        }
    }
    released_kb += release(&current);
    fclose(smaps);
    return released_kb;
}
