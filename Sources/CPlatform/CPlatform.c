// Compiled with the GNU extensions on, which is where glibc declares POSIX_SPAWN_SETSID and mallopt's
// parameters; Swift's Glibc module sees neither.
#define _GNU_SOURCE
#include "CPlatform.h"
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

void cml_tune_allocator(void) {
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
    mallopt(M_TOP_PAD, 16 << 20);
#endif
}

void cml_release_free_memory(void) {
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

#ifndef POSIX_SPAWN_SETSID
#error "this C library's <spawn.h> has no POSIX_SPAWN_SETSID"
#endif
short cml_posix_spawn_setsid(void) { return POSIX_SPAWN_SETSID; }

int cml_syncfs(int fd) {
#ifdef __linux__
    return syncfs(fd);
#else
    (void)fd;
    errno = ENOSYS;
    return -1;
#endif
}

void cml_start_writeback(int fd) {
#ifdef __linux__
    (void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd;
#endif
}
