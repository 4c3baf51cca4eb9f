// LD_PRELOAD companion to libfaketime for the clock-jump tests (Tests/ReliabilityTests/ClockJumpTests.swift).
// Loaded *before* Debian's libfaketime 0.9.10, it repairs the two things that library breaks in a Swift
// program, so that only the wall clock (clock_gettime CLOCK_REALTIME, gettimeofday, time) is faked — which is
// what a hub whose clock is set sees. Written by hand because it is a dozen lines and no package provides it.
//
// 1. libfaketime shifts the deadline of every absolute timerfd_settime() by the fake offset, even for
//    CLOCK_MONOTONIC / CLOCK_BOOTTIME timers and with FAKETIME_DONT_FAKE_MONOTONIC=1. libdispatch, which runs
//    Swift concurrency's timers on Linux, arms exactly such timers, so every Task.sleep would be pushed out by
//    the offset (a day's jump: a day's sleep). Here timerfd_settime goes straight to the kernel.
// 2. Under libfaketime the Swift runtime's own capture of argc/argv comes out empty (CommandLine.arguments is
//    []), so dho-gatewayd would not see --config. This library's initializer receives them from the dynamic
//    loader like any ELF initializer and hands them to the runtime's documented override hook.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

int timerfd_settime(int fd, int flags, const struct itimerspec *new_value, struct itimerspec *old_value) {
    return (int)syscall(SYS_timerfd_settime, fd, flags, new_value, old_value);
}

static void hand_arguments_to_swift(int argc, char **argv, char **envp) {
    (void)envp;
    void (*override)(char **, int) = (void (*)(char **, int))dlsym(RTLD_DEFAULT, "_swift_stdlib_overrideUnsafeArgvArgc");
    if (override != NULL && argc > 0) override(argv, argc);
}

__attribute__((section(".init_array"), used)) static void (*const hand_arguments_entry)(int, char **, char **) =
    hand_arguments_to_swift;
