// Redirects Swift concurrency's global executor to a function of ours (see GlobalExecutorHook.c).
#ifndef DHO_CGLOBALEXECUTORHOOK_H
#define DHO_CGLOBALEXECUTORHOOK_H

/// Where the runtime's global enqueues go once the hook is installed: a C function (defined in Swift with
/// @_cdecl) taking the runtime's job pointer.
typedef void (*dho_global_job_sink)(void *job);

/// Installs the hook so that every job the runtime would give its global concurrent executor (dispatch's
/// pool on Linux) goes to `sink` instead. Returns 1 when installed, 0 when another hook was there already
/// (nothing changed then).
int dho_install_global_enqueue_hook(dho_global_job_sink sink);

#endif
