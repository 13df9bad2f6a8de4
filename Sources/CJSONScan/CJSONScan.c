// Everything lives in include/CJSONScan.h as static inline functions (Swift inlines them into the
// scanner); this file exists because a C target needs at least one source file.
#include "CJSONScan.h"
