#include <dbus/dbus.h>
#include <sys/eventfd.h>
#include <pthread.h>

// Helpers for what Swift's Glibc module does not expose (eventfd, and pthread_setname_np which needs
// _GNU_SOURCE). Used by the D-Bus event loop thread.
static inline int cdbus_eventfd(void) {
    return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

extern int pthread_setname_np(pthread_t thread, const char *name);

static inline void cdbus_name_current_thread(const char *name) {
    pthread_setname_np(pthread_self(), name);
}
