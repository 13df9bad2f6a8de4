#ifndef CUCKOOML_CPLATFORM_H
#define CUCKOOML_CPLATFORM_H
// What the C library offers but Swift's Glibc module leaves out (it is built without _GNU_SOURCE and
// _XOPEN_SOURCE): allocator tuning for the shell, `syncfs` for the library's batched saves, and the pseudo-terminal calls and the spawn flag the
// end-to-end tests need to drive the shell in a real terminal. Nothing here is about line editing
// (that is CEditLine).

/// glibc's allocator tuned for a short-lived analysis process: blocks up to 32 MB come from the heap
/// and freed memory stays there for reuse, instead of a fresh mmap per large block that the kernel
/// zeroes page by page and unmaps again. No-op elsewhere.
void cml_tune_allocator(void);

/// Hands the allocator's free pages back to the kernel (`malloc_trim(0)` with glibc; nothing
/// elsewhere): after a step whose scratch memory is done with, so the next step's peak does not
/// sit on top of it.
void cml_release_free_memory(void);

/// `POSIX_SPAWN_SETSID` from <spawn.h> (the child starts a session of its own, so the terminal it
/// opens becomes its controlling terminal).
short cml_posix_spawn_setsid(void);

/// `syncfs(fd)` on Linux: writes back and waits for every dirty page and inode of the filesystem
/// holding `fd`, in one call (`save DIR` makes a batch of new files durable with it instead of one
/// fsync per file). Elsewhere it fails with ENOSYS and callers sync file by file.
int cml_syncfs(int fd);

/// Starts writing back the dirty pages of `fd` without waiting (`sync_file_range(SYNC_FILE_RANGE_WRITE)`
/// on Linux; nothing elsewhere): the disk works on a batch while later files are written, so the
/// batch's `cml_syncfs` has little left to wait for (and a Ctrl-C is not held up by it).
void cml_start_writeback(int fd);

extern int posix_openpt(int flags);
extern int grantpt(int fd);
extern int unlockpt(int fd);
extern char *ptsname(int fd);

#endif
