#ifndef CUCKOOML_CEDITLINE_SHIM_H
#define CUCKOOML_CEDITLINE_SHIM_H
// Swift cannot call C variadic functions, so every el_set/el_get/history call the shell needs gets a
// fixed-arity wrapper here; C globals (stdin, stdout, stderr) are reached through accessors because
// Swift 6 treats mutable globals as unsafe. (Allocator tuning and the pseudo-terminal calls are in
// CPlatform.)
#include <stdio.h>
#include <histedit.h>

typedef const char *(*cml_prompt_fn)(EditLine *);
typedef unsigned char (*cml_command_fn)(EditLine *, int);

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

#endif
