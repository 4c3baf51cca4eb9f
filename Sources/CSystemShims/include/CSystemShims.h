// Linux facilities Swift's Glibc module does not expose (struct ucred needs _GNU_SOURCE).
#ifndef DHO_CSYSTEMSHIMS_H
#define DHO_CSYSTEMSHIMS_H
#include <sys/types.h>

/// Peer credentials of a connected AF_UNIX socket (SO_PEERCRED). Returns 0 on success, -1 with errno set.
int dho_peer_credentials(int fd, pid_t *pid, uid_t *uid, gid_t *gid);

/// Names the calling thread (at most 15 bytes are kept), so that /proc/PID/task/*/comm and debuggers tell the
/// daemon's own threads apart: a new thread otherwise inherits the name of the thread that created it.
void dho_name_current_thread(const char *name);

#endif
