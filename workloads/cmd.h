/*
 * cmd.h — the command workload's own pieces, for its tests and benchmark
 * (workloads/cmd.c has the design comment). The workload itself is reached
 * through the registry like every other (cfb_workload_find("cmd")).
 */
#ifndef CFB_CMD_H
#define CFB_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Split text into words the way a shell splits a simple command, without
 * any expansion: blanks separate words; '...' keeps everything literally;
 * "..." keeps everything but \" \\ \$ \` (a backslash before anything else
 * stays); a backslash outside quotes keeps the next character. The words
 * are written NUL-terminated, one after another, into buf (cap bytes);
 * *nwords gets their count. 0; or CF_EINVAL with a one-line reason in err
 * ("unclosed ' quote", "empty command", "too long"). */
int cfb_cmd_split(const char *text, char *buf, size_t cap, size_t *nwords, char *err,
                  size_t errlen);

/* Start argv (NULL-terminated; argv[0] looked up in PATH when it has no
 * '/') with stdin from /dev/null, stderr to /dev/null, stdout to
 * /dev/null or, when out_fd is not NULL, to a new pipe whose read end
 * (close-on-exec) goes to *out_fd. Signals are reset to their defaults and
 * unblocked in the child, whatever the calling thread had. posix_spawn:
 * safe in a threaded process. *pid the child's. 0; or a positive errno
 * (ENOENT, EACCES, …: the command cannot run; nothing is left behind). */
int cfb_cmd_spawn(char *const argv[], pid_t *pid, int *out_fd);

/* The failure text of a wait status: "" for exit 0 (returns false);
 * "exit 3" or "killed by SIGKILL" (returns true). */
bool cfb_cmd_status_text(int status, char *buf, size_t n);

#endif
