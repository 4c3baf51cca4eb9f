// The daemon's memory settings and its idle memory release (see MallocArenas.c and IdlePages.c).
#ifndef DHO_CDAEMONMEMORY_H
#define DHO_CDAEMONMEMORY_H

/// The arena limit the constructor applied: 0 when MALLOC_ARENA_MAX in the environment decided instead.
int dho_malloc_arena_limit(void);

/// Returns free heap pages to the kernel and unmaps the resident pages of read-only, unmodified file mappings
/// (code and constants of the executable and its libraries), which fault back in from the page cache when used.
/// Returns the kilobytes unmapped, or -1 when /proc/self/smaps cannot be read.
long dho_release_idle_memory(void);

#endif
