// Intentionally empty: the wrappers are static inline in include/CCurl.h; SwiftPM needs one C source.
#include "CCurl.h"
