// Swift concurrency's runtime (libswift_Concurrency) looks up `swift_task_enqueueGlobal_hook` on every job it
// gives the global concurrent executor and, when set, calls it instead of handing the job to dispatch. It is
// the runtime's own extension point for replacing the global executor (SwiftNIO installs its event loops
// through it: NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor), not yet
// a public Swift API in 6.3.1 (its _Concurrency interface has TaskExecutor preferences, no way to replace the
// global executor).
//
// Written in C because the hook is called with the Swift calling convention (`swiftcall`), which C can
// declare exactly and Swift cannot: the job pointer is its first argument, the original implementation the
// second (unused: every job goes to the sink).

#include "CGlobalExecutorHook.h"

#include <stddef.h>

typedef __attribute__((swiftcall)) void (*dho_original_enqueue)(void *job);
typedef __attribute__((swiftcall)) void (*dho_enqueue_hook)(void *job, dho_original_enqueue original);

// Defined by the Swift runtime (stdlib/public/Concurrency/GlobalExecutor.cpp: SWIFT_CC(swift) hook pointer).
extern dho_enqueue_hook swift_task_enqueueGlobal_hook;

static dho_global_job_sink installed_sink;

static __attribute__((swiftcall)) void enqueue_on_sink(void *job, dho_original_enqueue original) {
    (void)original;
    installed_sink(job);
}

int dho_install_global_enqueue_hook(dho_global_job_sink sink) {
    if (swift_task_enqueueGlobal_hook != NULL || sink == NULL) return 0;
    installed_sink = sink;
    // Before the hook: a job enqueued by another thread right now must find the sink set.
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    __atomic_store_n(&swift_task_enqueueGlobal_hook, enqueue_on_sink, __ATOMIC_SEQ_CST);
    return 1;
}
