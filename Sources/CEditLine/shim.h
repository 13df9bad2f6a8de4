#ifndef CUCKOOML_CEDITLINE_SHIM_H
#define CUCKOOML_CEDITLINE_SHIM_H
// Swift cannot call C variadic functions, so every el_set/el_get/history call the shell needs gets a
// fixed-arity wrapper here; C globals (stdin, stdout, stderr) are reached through accessors because
// Swift 6 treats mutable globals as unsafe; and glibc's mallopt, which Swift's Glibc module does not
// export, is called from here for the shell's start-up tuning.
#include <stdio.h>
#include <histedit.h>

typedef const char *(*cml_prompt_fn)(EditLine *);
typedef unsigned char (*cml_command_fn)(EditLine *, int);

#ifdef __GLIBC__
#include <malloc.h>
#endif

/// glibc's allocator tuned for a short-lived analysis process: blocks up to 32 MB come from the heap
/// and freed memory stays there for reuse, instead of a fresh mmap per large block that the kernel
/// zeroes page by page and unmaps again. No-op elsewhere.
static inline void cml_tune_allocator(void) {
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
    mallopt(M_TOP_PAD, 16 << 20);
#endif
}

static inline FILE *cml_stdin(void) { return stdin; }
static inline FILE *cml_stdout(void) { return stdout; }
static inline FILE *cml_stderr(void) { return stderr; }

static inline int cml_el_set_prompt(EditLine *el, cml_prompt_fn fn) { return el_set(el, EL_PROMPT, fn); }
static inline int cml_el_set_editor(EditLine *el, const char *mode) { return el_set(el, EL_EDITOR, mode); }
static inline int cml_el_set_signal(EditLine *el, int on) { return el_set(el, EL_SIGNAL, on); }
static inline int cml_el_set_history(EditLine *el, History *h) { return el_set(el, EL_HIST, history, h); }
static inline int cml_el_set_clientdata(EditLine *el, void *data) { return el_set(el, EL_CLIENTDATA, data); }
static inline void *cml_el_get_clientdata(EditLine *el) {
    void *data = NULL;
    el_get(el, EL_CLIENTDATA, &data);
    return data;
}
/// Adds the shell's completion function. Through the wide call: el_set's EL_ADDFN copies the name and
/// help into wide strings it never frees (libedit's own "XXX: The two strdup's leak", which fails the
/// address sanitizer's leak check), while el_wset keeps the static strings it is given.
static inline int cml_el_add_complete_fn(EditLine *el, cml_command_fn fn) {
    return el_wset(el, EL_ADDFN, L"cml-complete", L"complete the word before the cursor", fn);
}
static inline int cml_el_set_getcfn(EditLine *el, el_rfunc_t fn) { return el_set(el, EL_GETCFN, fn); }
static inline int cml_el_bind(EditLine *el, const char *key, const char *fn) {
    return el_set(el, EL_BIND, key, fn, NULL);
}

static inline int cml_history_setsize(History *h, HistEvent *ev, int size) { return history(h, ev, H_SETSIZE, size); }
static inline int cml_history_setunique(History *h, HistEvent *ev, int unique) { return history(h, ev, H_SETUNIQUE, unique); }
static inline int cml_history_enter(History *h, HistEvent *ev, const char *line) { return history(h, ev, H_ENTER, line); }
static inline int cml_history_load(History *h, HistEvent *ev, const char *path) { return history(h, ev, H_LOAD, path); }
static inline int cml_history_save(History *h, HistEvent *ev, const char *path) { return history(h, ev, H_SAVE, path); }
static inline int cml_history_first(History *h, HistEvent *ev) { return history(h, ev, H_FIRST); }
static inline int cml_history_next(History *h, HistEvent *ev) { return history(h, ev, H_NEXT); }
static inline int cml_history_last(History *h, HistEvent *ev) { return history(h, ev, H_LAST); }
static inline int cml_history_prev(History *h, HistEvent *ev) { return history(h, ev, H_PREV); }


// Pseudo-terminal calls for the end-to-end tests that drive the shell in a real terminal. The Glibc
// module is built without _XOPEN_SOURCE, so these are not visible to Swift otherwise.
extern int posix_openpt(int flags);
extern int grantpt(int fd);
extern int unlockpt(int fd);
extern char *ptsname(int fd);
static inline short cml_posix_spawn_setsid(void) { return 0x80; /* POSIX_SPAWN_SETSID in glibc */ }

#endif
