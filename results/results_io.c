/* results_io.c — load / atomically save results JSON (the schema check,
 * cfb_results_validate, is the codec's: results/model_json.c). */
#include "results_io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...) {
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* s for a one-line message: control characters become \xHH (a case id may
 * hold anything, and must not break the line or drive the terminal). */
void cfb_one_line(char *out, size_t outlen, const char *s) {
    size_t k = 0;
    for (; *s && k + 5 < outlen; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f)
            k += (size_t)snprintf(out + k, outlen - k, "\\x%02x", c);
        else
            out[k++] = (char)c;
    }
    out[k] = '\0';
}

int cfb_results_load(const char *path, json_t **out, char *err, size_t errlen) {
    if (!out) return fail(err, errlen, "internal error: NULL out");
    *out = NULL;
    if (!path) return fail(err, errlen, "no results file given");
    FILE *f = fopen(path, "rb");
    if (!f) return fail(err, errlen, "%s: cannot read: %s", path, strerror(errno));
    json_error_t je;
    json_t *doc = json_loadf(f, JSON_DECODE_ANY, &je);
    fclose(f);
    if (!doc) {
        char why[sizeof je.text * 4 + 1]; /* jansson quotes the input: a newline, … */
        cfb_one_line(why, sizeof why, je.text);
        return fail(err, errlen, "%s: not valid JSON (line %d, column %d: %s)", path, je.line,
                    je.column, why);
    }
    char why[512];
    if (cfb_results_validate(doc, why, sizeof why) != 0) {
        json_decref(doc);
        return fail(err, errlen, "%s: %s", path, why);
    }
    *out = doc;
    return 0;
}

/* ---- writing output files ------------------------------------------------
 *
 * Rules (docs/cli.md "Output files"): an output file is written whole or not
 * at all (a temp file in the target's directory, fsync, rename over the
 * target); a target that exists and is not a regular file (device node,
 * FIFO, socket, directory) is refused, never replaced; a symlink is followed
 * (to any depth, dangling or not) and its final target is replaced
 * atomically in the target's own directory, so the link stays a link.
 *
 * The temp file has no name while it is written (O_TMPFILE), and gets one,
 * `<target>.tmp.<pid>.<6 letters>`, only for the moment between linkat()
 * and rename(); where O_TMPFILE or /proc is missing it is made with mkstemp
 * under that name. A process killed inside that window leaves the file
 * behind; the next write to the same target removes such files whose pid
 * is no longer alive (exactly that name pattern, regular files only). */

/* Longest symlink chain followed (the kernel's own limit is 40). */
#define CFB_OUT_MAX_LINKS 40

static int is_stale_name(const char *name, const char *base, pid_t *pid) {
    size_t bl = strlen(base);
    if (strncmp(name, base, bl) || strncmp(name + bl, ".tmp.", 5)) return 0;
    const char *p = name + bl + 5;
    if (*p < '1' || *p > '9') return 0;
    long long v = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (*p - '0');
        if (v > 0x7fffffff) return 0;
    }
    if (*p != '.') return 0;
    p++;
    for (int i = 0; i < 6; i++, p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            return 0;
    if (*p) return 0;
    *pid = (pid_t)v;
    return 1;
}

int cfb_out_clean_stale(const char *dir, const char *base) {
    DIR *d = opendir(dir && *dir ? dir : ".");
    if (!d) return 0;
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        pid_t pid;
        if (!is_stale_name(e->d_name, base, &pid) || pid == getpid()) continue;
        if (kill(pid, 0) == 0 || errno != ESRCH) continue; /* alive (or not ours to judge) */
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) == 0) removed++;
    }
    closedir(d);
    return removed;
}

static const char *type_name(mode_t m) {
    if (S_ISDIR(m)) return "a directory";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISFIFO(m)) return "a FIFO";
    if (S_ISSOCK(m)) return "a socket";
    return "not a regular file";
}

/* The first proper prefix of path (cut at a '/') that exists and is not a
 * directory, in buf (len bytes); 0 when found, -1 when none is. */
static int first_non_dir(const char *path, char *buf, size_t len) {
    size_t pl = strlen(path);
    if (pl >= len) return -1;
    for (size_t i = 1; i < pl; i++) {
        if (path[i] != '/' || path[i - 1] == '/') continue;
        memcpy(buf, path, i);
        buf[i] = '\0';
        struct stat st;
        if (stat(buf, &st) == 0 && !S_ISDIR(st.st_mode)) return 0;
    }
    return -1;
}

/* Make directory dir and its missing parents (mode 0777, less the umask,
 * which the kernel applies), like mkdir -p; path is the output file named
 * in the messages. 0, or -1 with a one-line reason in err: a component
 * that exists and is not a directory, or mkdir's own error. */
static int make_parents(const char *dir, const char *path, char *err, size_t errlen) {
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return 0;
        return fail(err, errlen, "%s: cannot create its directory: %s is not a directory", path,
                    dir);
    }
    size_t dl = strlen(dir);
    char *buf = malloc(dl + 1);
    if (!buf) return fail(err, errlen, "out of memory");
    int rc = 0;
    for (size_t i = 1; i <= dl && rc == 0; i++) {
        if (i < dl && (dir[i] != '/' || dir[i - 1] == '/')) continue;
        memcpy(buf, dir, i);
        buf[i] = '\0';
        if (mkdir(buf, 0777) == 0) continue;
        int e = errno;
        if (e == EEXIST || e == EACCES || e == EROFS || e == EPERM) {
            /* EACCES & co. on an existing component (an unwritable /)
             * are not errors: only what is not a directory is */
            if (stat(buf, &st) == 0) {
                if (S_ISDIR(st.st_mode)) continue;
                rc = fail(err, errlen, "%s: cannot create its directory: %s is not a directory",
                          path, buf);
                break;
            }
        }
        rc = fail(err, errlen, "%s: cannot create directory %s: %s", path, buf, strerror(e));
    }
    free(buf);
    return rc;
}

int cfb_out_resolve(const char *path, char **out, char *err, size_t errlen) {
    if (!out) return fail(err, errlen, "internal error: NULL out");
    *out = NULL;
    if (!path || !*path) return fail(err, errlen, "empty output file name");
    char *cur = strdup(path);
    if (!cur) return fail(err, errlen, "out of memory");
    for (int hops = 0;; hops++) {
        struct stat st;
        if (lstat(cur, &st) != 0) {
            if (errno == ENOENT) break; /* created by the write, and its missing directories */
            int e = errno;
            char nd[PATH_MAX];
            int r = e == ENOTDIR && !first_non_dir(cur, nd, sizeof nd)
                        ? fail(err, errlen,
                               "%s: cannot create its directory: %s is not a directory", path, nd)
                        : fail(err, errlen, "%s: %s", path, strerror(e));
            free(cur);
            return r;
        }
        if (S_ISREG(st.st_mode)) break;
        if (!S_ISLNK(st.st_mode)) {
            int r = fail(err, errlen, "%s%s%s is %s: refusing to replace it with an output file",
                         path, strcmp(path, cur) ? " -> " : "", strcmp(path, cur) ? cur : "",
                         type_name(st.st_mode));
            free(cur);
            return r;
        }
        if (hops >= CFB_OUT_MAX_LINKS) {
            free(cur);
            return fail(err, errlen, "%s: too many levels of symbolic links", path);
        }
        char target[PATH_MAX];
        ssize_t n = readlink(cur, target, sizeof target - 1);
        if (n < 0 || (size_t)n >= sizeof target - 1) {
            int e = n < 0 ? errno : ENAMETOOLONG;
            free(cur);
            return fail(err, errlen, "%s: cannot read the symbolic link: %s", path, strerror(e));
        }
        target[n] = '\0';
        char *next;
        const char *slash = strrchr(cur, '/');
        if (target[0] == '/' || !slash) {
            next = strdup(target);
        } else {
            size_t dl = (size_t)(slash - cur) + 1;
            next = malloc(dl + (size_t)n + 1);
            if (next) {
                memcpy(next, cur, dl);
                memcpy(next + dl, target, (size_t)n + 1);
            }
        }
        free(cur);
        if (!next) return fail(err, errlen, "out of memory");
        cur = next;
    }
    size_t cl = strlen(cur);
    if (cur[cl - 1] == '/') {
        int r = fail(err, errlen, "%s: not a file name (ends in '/')", path);
        free(cur);
        return r;
    }
    *out = cur;
    return 0;
}

bool cfb_out_is_stdout(const char *path) {
    return path && (!strcmp(path, "-") || !strcmp(path, "/dev/stdout"));
}

static int write_all(int fd, const char *data, size_t len) {
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        off += (size_t)w;
    }
    return 0;
}

/* 6 characters of mkstemp's alphabet, different on every call. */
static void rand6(char *s) {
    static const char abc[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    static _Atomic unsigned long long ctr;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    unsigned long long x = (unsigned long long)ts.tv_nsec ^ ((unsigned long long)getpid() << 32) ^
                           (atomic_fetch_add(&ctr, 1) * 0x9e3779b97f4a7c15ULL);
    for (int i = 0; i < 6; i++) {
        x ^= x >> 31;
        x *= 0xbf58476d1ce4e5b9ULL;
        x ^= x >> 29;
        s[i] = abc[x % 62];
    }
    s[6] = '\0';
}

/* Write data into a new file in dir that has a name only once it is whole:
 * O_TMPFILE, then linkat to tmp (a buffer of PATH-sized bytes, filled in).
 * 0; 1 when O_TMPFILE / /proc is not available here (nothing was made);
 * -1 with errno on a write error. */
static int write_unnamed(const char *dir, const char *final, const char *data, size_t len,
                         char *tmp, size_t tmplen) {
#ifdef O_TMPFILE
    /* The kernel applies the umask to O_TMPFILE's mode, as to O_CREAT's:
     * no umask(0) round trip, which would race other threads creating files. */
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
    if (fd < 0) return 1; /* unsupported here, or the mkstemp path will say why */
    if (write_all(fd, data, len) != 0 || (fsync(fd) != 0 && errno != EINVAL)) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    for (int tries = 0; tries < 100; tries++) {
        char r[7];
        rand6(r);
        snprintf(tmp, tmplen, "%s.tmp.%ld.%s", final, (long)getpid(), r);
        if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0) {
            close(fd);
            return 0;
        }
        if (errno != EEXIST) break;
    }
    close(fd);
    return 1;
#else
    (void)dir, (void) final, (void)data, (void)len, (void)tmp, (void)tmplen;
    return 1;
#endif
}

int cfb_write_atomic(const char *path, const char *data, size_t len, char *err, size_t errlen) {
    if (!path || (!data && len)) return fail(err, errlen, "internal error: NULL path or data");
    char *final;
    if (cfb_out_resolve(path, &final, err, errlen)) return -1;
    size_t flen = strlen(final);
    char *dir = malloc(flen + 2), *tmp = malloc(flen + 32);
    if (!dir || !tmp) {
        free(final);
        free(dir);
        free(tmp);
        return fail(err, errlen, "out of memory");
    }
    const char *slash = strrchr(final, '/');
    const char *base = slash ? slash + 1 : final;
    if (!slash)
        strcpy(dir, ".");
    else if (slash == final)
        strcpy(dir, "/");
    else
        snprintf(dir, flen + 2, "%.*s", (int)(slash - final), final);
    int rc = -1;
    if (make_parents(dir, path, err, errlen)) goto out;
    (void)cfb_out_clean_stale(dir, base);
    int u = write_unnamed(dir, final, data, len, tmp, flen + 32);
    if (u < 0) {
        fail(err, errlen, "%s: write failed: %s", path, strerror(errno));
        goto out;
    }
    if (u > 0) { /* no O_TMPFILE here: a named temp file from the start */
        snprintf(tmp, flen + 32, "%s.tmp.%ld.XXXXXX", final, (long)getpid());
        int fd = mkstemp(tmp);
        if (fd < 0) {
            fail(err, errlen, "%s: cannot create temp file: %s", path, strerror(errno));
            goto out;
        }
        mode_t um = umask(0); /* mkstemp makes 0600; results are ordinary files */
        umask(um);
        (void)fchmod(fd, 0666 & ~um);
        if (write_all(fd, data, len) != 0 || (fsync(fd) != 0 && errno != EINVAL)) {
            fail(err, errlen, "%s: write failed: %s", path, strerror(errno));
            close(fd);
            unlink(tmp);
            goto out;
        }
        if (close(fd) != 0) {
            fail(err, errlen, "%s: close failed: %s", path, strerror(errno));
            unlink(tmp);
            goto out;
        }
    }
    /* The target may have changed since it was resolved: still refuse to
     * replace anything but a regular file (rename never follows a link). */
    struct stat st;
    if (lstat(final, &st) == 0 && !S_ISREG(st.st_mode)) {
        fail(err, errlen, "%s is %s: refusing to replace it with an output file", final,
             S_ISLNK(st.st_mode) ? "now a symbolic link" : type_name(st.st_mode));
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, final) != 0) {
        fail(err, errlen, "%s: rename failed: %s", path, strerror(errno));
        unlink(tmp);
        goto out;
    }
    /* Make the rename durable: fsync the directory (best effort). */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    rc = 0;
out:
    free(final);
    free(dir);
    free(tmp);
    return rc;
}

int cfb_results_save(const char *path, const json_t *doc, char *err, size_t errlen) {
    char *s = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    if (!s) return fail(err, errlen, "cannot serialise results (out of memory?)");
    size_t len = strlen(s);
    char *buf = realloc(s, len + 2);
    if (!buf) {
        free(s);
        return fail(err, errlen, "out of memory");
    }
    buf[len] = '\n';
    buf[len + 1] = '\0';
    int rc;
    if (cfb_out_is_stdout(path)) {
        rc = fwrite(buf, 1, len + 1, stdout) != len + 1 || fflush(stdout)
                 ? fail(err, errlen, "writing to stdout failed")
                 : 0;
    } else {
        rc = cfb_write_atomic(path, buf, len + 1, err, errlen);
    }
    free(buf);
    return rc;
}
