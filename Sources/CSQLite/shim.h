#ifndef CUCKOOML_CSQLITE_SHIM_H
#define CUCKOOML_CSQLITE_SHIM_H
#include <sqlite3.h>
// SQLITE_TRANSIENT is a cast macro Swift cannot import: bind calls use this to make SQLite copy buffers.
static inline sqlite3_destructor_type cml_sqlite_transient(void) { return SQLITE_TRANSIENT; }
#endif
