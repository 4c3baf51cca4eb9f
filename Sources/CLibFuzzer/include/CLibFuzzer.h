// libFuzzer's driver entry point (compiler-rt, LLVM >= 11).
//
// SwiftPM links every executable with `--defsym main=<module>_main`, so libFuzzer's own `main` cannot be
// used; dho-fuzz keeps an ordinary Swift `@main` and, in fuzz builds, hands control to this driver. Only
// referenced when compiled with -DFUZZING (and linked with -sanitize=fuzzer), so normal builds need no libFuzzer.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
