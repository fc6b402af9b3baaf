/*
 * fuzz_server_path.c — fuzz target `server_path`: how `cfbench serve
 * --root DIR` maps a request path to a file (workloads/flags/flag_server.c,
 * through cfb__server_open_path: the path check, then openat2 with
 * RESOLVE_BENEATH). Input: the request path as the handler gets it (MHD has
 * decoded %xx already). The harness builds, once, a tree in a temporary
 * directory:
 *     base/secret.txt            "OUTSIDE …"   (must never be served)
 *     base/outside/x.txt         "OUTSIDE …"
 *     base/root/index.html, a.gif, sub/b.json, sub/deeper/c.txt, "sp ace.txt"
 *     base/root/link_in -> sub/b.json         (stays inside)
 *     base/root/dir_in -> sub                 (stays inside)
 *     base/root/link_out -> ../secret.txt     (escapes)
 *     base/root/sub/up -> ../..               (escapes)
 *     base/root/link_abs -> base/secret.txt   (absolute)
 *     base/root/etc -> /etc, proc -> /proc/self/root, loop -> loop
 * Invariants:
 *   S1  a served file is beneath the root: its real path starts with the
 *       root's real path and "/", and it is never one of the OUTSIDE files;
 *   S2  a path with a "." or ".." segment, a backslash, or not starting
 *       with "/" is never served;
 *   S3  the server is not merely refusing: a path that names one of the
 *       regular files inside the root (extra slashes allowed, no symlink on
 *       the way) is served, and it is that file (same inode).
 */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flags/flag_server_internal.h"
#include "fuzz_util.h"

static char base[PATH_MAX], rootreal[PATH_MAX];
static int root_fd = -1;
static const char *const inside[] = {"index.html", "a.gif", "sub/b.json", "sub/deeper/c.txt",
                                     "sp ace.txt"};
#define NINSIDE (sizeof inside / sizeof inside[0])
static ino_t inside_ino[NINSIDE];
static ino_t outside_ino[2];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f) {
    (void)st, (void)flag, (void)f;
    return remove(p);
}
static void cleanup(void) {
    if (root_fd >= 0) close(root_fd);
    if (base[0]) nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void put(const char *rel, const char *text, ino_t *ino) {
    char p[PATH_MAX];
    FUZZ_CHECK(snprintf(p, sizeof p, "%s/%s", base, rel) < (int)sizeof p, "path too long");
    FILE *f = fopen(p, "w");
    FUZZ_CHECK(f != NULL, "cannot create %s", p);
    fputs(text, f);
    fclose(f);
    struct stat st;
    FUZZ_CHECK(stat(p, &st) == 0, "stat %s", p);
    if (ino) *ino = st.st_ino;
}
static void dir(const char *rel) {
    char p[PATH_MAX];
    FUZZ_CHECK(snprintf(p, sizeof p, "%s/%s", base, rel) < (int)sizeof p, "path too long");
    FUZZ_CHECK(mkdir(p, 0755) == 0, "mkdir %s", p);
}
static void link_(const char *target, const char *rel) {
    char p[PATH_MAX];
    FUZZ_CHECK(snprintf(p, sizeof p, "%s/%s", base, rel) < (int)sizeof p, "path too long");
    FUZZ_CHECK(symlink(target, p) == 0, "symlink %s", p);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(base, sizeof base, "%s/cfb-fuzz-root.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    FUZZ_CHECK(mkdtemp(base) != NULL, "mkdtemp %s", base);
    atexit(cleanup);
    put("secret.txt", "OUTSIDE secret\n", &outside_ino[0]);
    dir("outside");
    put("outside/x.txt", "OUTSIDE x\n", &outside_ino[1]);
    dir("root");
    dir("root/sub");
    dir("root/sub/deeper");
    for (size_t i = 0; i < NINSIDE; i++) {
        char rel[PATH_MAX];
        FUZZ_CHECK(snprintf(rel, sizeof rel, "root/%s", inside[i]) < PATH_MAX, "path too long");
        put(rel, "inside\n", &inside_ino[i]);
    }
    char abs_secret[PATH_MAX];
    FUZZ_CHECK(snprintf(abs_secret, sizeof abs_secret, "%s/secret.txt", base) < PATH_MAX,
               "path too long");
    link_("sub/b.json", "root/link_in");
    link_("sub", "root/dir_in");
    link_("../secret.txt", "root/link_out");
    link_("../..", "root/sub/up");
    link_("../outside", "root/sub/deeper/out");
    link_(abs_secret, "root/link_abs");
    link_("/etc", "root/etc");
    link_("/proc/self/root", "root/proc");
    link_("loop", "root/loop");
    char root[PATH_MAX];
    FUZZ_CHECK(snprintf(root, sizeof root, "%s/root", base) < PATH_MAX, "path too long");
    FUZZ_CHECK(realpath(root, rootreal) != NULL, "realpath %s", root);
    root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    FUZZ_CHECK(root_fd >= 0, "open %s", root);
    return 0;
}

/* S2: what the path check must refuse. */
static bool must_refuse(const char *url) {
    if (url[0] != '/') return true;
    if (strchr(url, '\\')) return true;
    for (const char *p = url; *p;) {
        while (*p == '/')
            p++;
        size_t n = strcspn(p, "/");
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) return true;
        p += n;
    }
    return false;
}

/* S3: the index of the inside file the path names plainly, or -1. */
static long names_inside(const char *url) {
    char norm[PATH_MAX];
    size_t k = 0;
    for (const char *p = url; *p && k + 1 < sizeof norm; p++) {
        if (*p == '/' && (k == 0 || norm[k - 1] == '/')) continue;
        norm[k++] = *p;
    }
    norm[k] = '\0';
    if (url[0] != '/') return -1;
    for (size_t i = 0; i < NINSIDE; i++)
        if (!strcmp(norm, inside[i])) return (long)i;
    return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (root_fd < 0) LLVMFuzzerInitialize(NULL, NULL);
    if (size > 4096) return 0;
    char *url = fuzz_strndup(data, size);
    if (!url) return 0;
    int fd = cfb__server_open_path(root_fd, url);
    if (fd >= 0) {
        /* S1 */
        char self[64], real[PATH_MAX];
        snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(self, real, sizeof real - 1);
        FUZZ_CHECK(n > 0, "readlink %s", self);
        real[n] = '\0';
        size_t rl = strlen(rootreal);
        FUZZ_CHECK(!strncmp(real, rootreal, rl) && real[rl] == '/',
                   "S1: '%s' served %s, outside the root %s", url, real, rootreal);
        struct stat st;
        FUZZ_CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode), "S1: not a regular file");
        FUZZ_CHECK(st.st_ino != outside_ino[0] && st.st_ino != outside_ino[1],
                   "S1: '%s' served an OUTSIDE file", url);
        char head[8] = "";
        ssize_t r = pread(fd, head, 7, 0);
        FUZZ_CHECK(r < 7 || memcmp(head, "OUTSIDE", 7) != 0, "S1: '%s' served OUTSIDE bytes", url);
        /* S2 */
        FUZZ_CHECK(!must_refuse(url), "S2: '%s' should have been refused", url);
        long i = names_inside(url);
        if (i >= 0) FUZZ_CHECK(st.st_ino == inside_ino[i], "S3: '%s' served another file", url);
        close(fd);
    } else {
        /* S3 */
        long i = names_inside(url);
        FUZZ_CHECK(i < 0 || must_refuse(url), "S3: '%s' names %s inside the root, not served", url,
                   inside[i]);
    }
    free(url);
    return 0;
}
