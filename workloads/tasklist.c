/* tasklist.c — the growable task list every workload fills. */
#include <stdlib.h>
#include <string.h>

#include "workload.h"

int cfb_tasklist_add(cfb_tasklist *tl, const void *arg, size_t len, const char *label) {
    if (!tl || (!arg && len)) return CF_EINVAL;
    if (tl->n == tl->cap) {
        size_t cap = tl->cap ? tl->cap * 2 : 16;
        cfb_task *t = realloc(tl->tasks, cap * sizeof *t);
        if (!t) return CF_ENOMEM;
        tl->tasks = t;
        tl->cap = cap;
    }
    cfb_task *t = &tl->tasks[tl->n];
    t->arg = malloc(len ? len : 1);
    t->label = label ? strdup(label) : NULL;
    if (!t->arg || (label && !t->label)) {
        free(t->arg);
        free(t->label);
        return CF_ENOMEM;
    }
    if (len) memcpy(t->arg, arg, len);
    t->len = len;
    tl->n++;
    return 0;
}

void cfb_tasklist_free(cfb_tasklist *tl) {
    if (!tl) return;
    for (size_t i = 0; i < tl->n; i++) {
        free(tl->tasks[i].arg);
        free(tl->tasks[i].label);
    }
    free(tl->tasks);
    tl->tasks = NULL;
    tl->n = tl->cap = 0;
}
