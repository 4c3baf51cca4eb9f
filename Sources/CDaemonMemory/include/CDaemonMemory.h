// The daemon's malloc settings, applied by a constructor before main (see MallocArenas.c).
#ifndef DHO_CDAEMONMEMORY_H
#define DHO_CDAEMONMEMORY_H

/// The arena limit the constructor applied: 0 when MALLOC_ARENA_MAX in the environment decided instead.
int dho_malloc_arena_limit(void);

#endif
