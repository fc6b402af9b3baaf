/* test_progress_pty.c — the progress display fits the terminal (issue 16,
 * item 4; runners/progress.c).
 *
 * Runs a tiny `cfbench run` sweep with stderr on a pseudo-terminal whose
 * size is set with TIOCSWINSZ (30, 40, 60, 80 and 120 columns, and 0 columns
 * with COLUMNS=50 for the fallback), reads everything it prints and feeds
 * it to a small terminal emulation (printable characters, UTF-8, \r, \n,
 * \b, ESC [ K and ESC [ J; autowrap at the last column). Checks: no
 * character is ever written in the last column (every line is at most
 * width - 1 columns, so nothing wraps), no other control or escape code is
 * used, the bar was drawn, the final screen holds one line per case in
 * order and no fragment of the bar, the ids whole from 60 columns on and
 * cut with "…" at 30. Then the same sweep with stderr on a pipe: one line per case,
 * no escape codes, no carriage returns.
 *
 * Deterministic: it checks only what the width implies, never timing;
 * every wait is poll() against a deadline, and a child that overruns it
 * is killed and reported. Single-threaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define DEADLINE_S 150.0 /* per run; TSan builds are slow, the sweep is ~0.1 s */
#define NCASES 3         /* noop/seq/w1, noop/thread/w1, noop/thread/w2 */

static char cfbench[PATH_MAX + 16];
static char tmpdir[] = "/tmp/cfb-pty-XXXXXX";

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void find_cfbench(void) {
    const char *env = getenv("CFBENCH");
    if (env && *env) {
        snprintf(cfbench, sizeof cfbench, "%s", env);
        return;
    }
    /* built next to this test in the build directory */
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        snprintf(cfbench, sizeof cfbench, "cfbench");
        return;
    }
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash) *slash = '\0';
    snprintf(cfbench, sizeof cfbench, "%s/cfbench", self);
}

/* ---- output capture ------------------------------------------------------ */

typedef struct buf {
    char *s;
    size_t len, cap;
} buf;

static void buf_add(buf *b, const char *p, size_t n) {
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = realloc(b->s, b->cap);
        if (!b->s) abort();
    }
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}

/* Run cfbench with stderr on err_fd (a pty slave, tty true, or a pipe's
 * write end; closed here), read everything from read_fd until EOF / EIO,
 * and wait for it; all bounded by DEADLINE_S. On a pty the child makes
 * the slave its controlling terminal. The slave is open in the child from
 * the fork on, so the master never sees a not-yet-opened slave. Returns
 * the exit status (or -1 on a timeout, with a CHECK failure). */
static char **run_argv; /* NULL: the cfbench run below */

static int run_capture(int err_fd, bool tty, int read_fd, const char *out_json, buf *out) {
    char *sweep[] = {
        cfbench, "run", "-w",       "noop", "-p", "noop.tasks=50",  "-m", "seq,thread", "-j", "1,2",
        "-r",    "3",   "--warmup", "0",    "-o", (char *)out_json, NULL};
    char **argv = run_argv ? run_argv : sweep;
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(2);
    }
    if (pid == 0) {
        close(read_fd);
        if (tty) {
            setsid();
            (void)ioctl(err_fd, TIOCSCTTY, 0);
        }
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(err_fd, 2);
        if (err_fd > 2) close(err_fd);
        execv(cfbench, argv);
        _exit(127);
    }
    close(err_fd);
    double end = now() + DEADLINE_S;
    bool eof = false;
    while (!eof) {
        double left = end - now();
        if (left <= 0) break;
        struct pollfd pfd = {.fd = read_fd, .events = POLLIN};
        int r = poll(&pfd, 1, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) continue;
        char chunk[4096];
        ssize_t n = read(read_fd, chunk, sizeof chunk);
        if (n > 0)
            buf_add(out, chunk, (size_t)n);
        else if (n == 0 || (errno != EINTR && errno != EAGAIN)) /* EIO: the slave is closed */
            eof = true;
    }
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) break;
        if (now() > end) {
            fprintf(stderr, "cfbench did not finish within %.0f s: killed\n", DEADLINE_S);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            CHECK(!"cfbench run finished in time");
            return -1;
        }
        /* bounded wait for the exit: poll on nothing for 10 ms */
        poll(NULL, 0, 10);
    }
    if (!eof) { /* output may still be buffered in the pty: drain it */
        char chunk[4096];
        struct pollfd pfd = {.fd = read_fd, .events = POLLIN};
        while (poll(&pfd, 1, 100) > 0) {
            ssize_t n = read(read_fd, chunk, sizeof chunk);
            if (n <= 0) break;
            buf_add(out, chunk, (size_t)n);
        }
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- terminal emulation --------------------------------------------------- */

#define MAXROWS 400
#define MAXCOLS 256

typedef struct screen {
    int width;
    int rows; /* rows used so far */
    int r, c; /* cursor */
    /* each cell: one UTF-8 sequence (NUL-terminated), "" = blank */
    char cell[MAXROWS][MAXCOLS][5];
    int violations;
    char first_violation[600];
} screen;

static void violation(screen *sc, const char *what) {
    if (!sc->violations++)
        snprintf(sc->first_violation, sizeof sc->first_violation, "%s (row %d, col %d)", what,
                 sc->r, sc->c);
}

static void newline(screen *sc) {
    if (sc->r + 1 < MAXROWS)
        sc->r++;
    else
        violation(sc, "too many rows for the emulation");
    if (sc->r >= sc->rows) sc->rows = sc->r + 1;
}

static void erase_line_from(screen *sc, int row, int col) {
    for (int k = col; k < MAXCOLS; k++)
        sc->cell[row][k][0] = '\0';
}

static void put(screen *sc, const char *seq, size_t n) {
    if (sc->c >= sc->width) { /* autowrap */
        sc->c = 0;
        newline(sc);
    }
    if (sc->c >= sc->width - 1) {
        char what[200];
        snprintf(what, sizeof what, "a character in the last column (%d) of a %d-column terminal",
                 sc->c + 1, sc->width);
        violation(sc, what);
    }
    if (sc->c < MAXCOLS) {
        memcpy(sc->cell[sc->r][sc->c], seq, n);
        sc->cell[sc->r][sc->c][n] = '\0';
    }
    sc->c++;
    if (sc->r >= sc->rows) sc->rows = sc->r + 1;
}

static void feed(screen *sc, const char *s, size_t len) {
    for (size_t i = 0; i < len;) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '\r') {
            sc->c = 0;
            i++;
        } else if (ch == '\n') {
            newline(sc);
            i++;
        } else if (ch == '\b') {
            if (sc->c > 0) sc->c--;
            i++;
        } else if (ch == 0x1b) {
            if (i + 1 < len && s[i + 1] == '[') {
                size_t j = i + 2;
                while (j < len && ((s[j] >= '0' && s[j] <= '9') || s[j] == ';'))
                    j++;
                if (j >= len) {
                    violation(sc, "truncated escape sequence");
                    break;
                }
                char fin = s[j];
                int param = (j > i + 2) ? atoi(s + i + 2) : 0;
                if (fin == 'K' && param == 0) {
                    erase_line_from(sc, sc->r, sc->c);
                } else if (fin == 'J' && param == 0) {
                    erase_line_from(sc, sc->r, sc->c);
                    for (int r = sc->r + 1; r < MAXROWS; r++)
                        erase_line_from(sc, r, 0);
                } else {
                    char what[64];
                    snprintf(what, sizeof what, "unexpected escape ESC [ %.*s", (int)(j - i - 1),
                             s + i + 2);
                    violation(sc, what);
                }
                i = j + 1;
            } else {
                violation(sc, "bare ESC");
                i++;
            }
        } else if (ch < 0x20 || ch == 0x7f) {
            char what[64];
            snprintf(what, sizeof what, "unexpected control character 0x%02x", ch);
            violation(sc, what);
            i++;
        } else {
            size_t n = ch < 0x80 ? 1 : (ch & 0xe0) == 0xc0 ? 2 : (ch & 0xf0) == 0xe0 ? 3 : 4;
            if (i + n > len) n = len - i;
            put(sc, s + i, n); /* every code point the display prints is one column */
            i += n;
        }
    }
}

/* Row r of the screen as a string (trailing blanks dropped) in out. */
static void row_text(const screen *sc, int r, char *out, size_t len) {
    size_t k = 0;
    int last = -1;
    for (int c = 0; c < MAXCOLS; c++)
        if (sc->cell[r][c][0]) last = c;
    for (int c = 0; c <= last && k + 5 < len; c++) {
        const char *cell = sc->cell[r][c][0] ? sc->cell[r][c] : " ";
        size_t n = strlen(cell);
        memcpy(out + k, cell, n);
        k += n;
    }
    out[k] = '\0';
}

/* Does a line look like (part of) the progress bar? */
static bool bar_fragment(const char *line) {
    if (strstr(line, " runs") || strstr(line, "ETA") || strstr(line, "elapsed") ||
        strstr(line, "/s  "))
        return true;
    for (const char *p = line; *p; p++) /* "[##.." or "...." runs of the bar */
        if ((*p == '[' || *p == '#' || *p == '.') && (p[1] == '#' || p[1] == '.') &&
            (p[2] == '#' || p[2] == '.') && (p[3] == '#' || p[3] == '.'))
            return true;
    return false;
}

/* "[i/N] " at the start of line: i, else 0 */
static int case_line_index(const char *line) {
    int i, n, used = 0;
    if (sscanf(line, "[%d/%d] %n", &i, &n, &used) == 2 && used > 0 && n == NCASES) return i;
    return 0;
}

/* ---- the checks ---------------------------------------------------------- */

static void check_tty(int width, const char *columns_env, int expect_width) {
    fprintf(stderr, "-- pty: %d columns%s%s\n", width, columns_env ? ", COLUMNS=" : "",
            columns_env ? columns_env : "");
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) || unlockpt(m)) {
        perror("posix_openpt");
        CHECK(!"a pseudo-terminal");
        return;
    }
    char slave[256];
    int sfd = -1;
    if (ptsname_r(m, slave, sizeof slave) || (sfd = open(slave, O_RDWR | O_NOCTTY)) < 0) {
        CHECK(!"the pseudo-terminal's slave");
        close(m);
        return;
    }
    struct winsize ws = {.ws_row = 50, .ws_col = (unsigned short)width};
    CHECK_EQ_INT(ioctl(m, TIOCSWINSZ, &ws), 0);
    if (columns_env)
        setenv("COLUMNS", columns_env, 1);
    else
        unsetenv("COLUMNS");
    char out_json[PATH_MAX];
    snprintf(out_json, sizeof out_json, "%s/r-%d.json", tmpdir, width);
    buf out = {0};
    int rc = run_capture(sfd, true, m, out_json, &out);
    close(m);
    unsetenv("COLUMNS");
    CHECK_EQ_INT(rc, 0);
    if (!out.s) {
        CHECK(!"cfbench printed something on the terminal");
        return;
    }
    /* the bar was drawn (else this test would check nothing) */
    CHECK(strstr(out.s, "\r\033[K[") != NULL);
    CHECK(strstr(out.s, " runs") != NULL);

    static screen sc;
    memset(&sc, 0, sizeof sc);
    sc.width = expect_width;
    sc.rows = 1;
    feed(&sc, out.s, out.len);
    if (sc.violations) fprintf(stderr, "width %d: %s\n", expect_width, sc.first_violation);
    CHECK_EQ_INT(sc.violations, 0);

    /* the final screen: the case lines in order, no bar left */
    int next = 1, ellipsis = 0, fragments = 0, summary = 0;
    char line[MAXCOLS * 5];
    for (int r = 0; r < sc.rows; r++) {
        row_text(&sc, r, line, sizeof line);
        if (!strncmp(line, "Summary:", 8)) summary = 1; /* the end-of-run table and findings */
        if (bar_fragment(line)) {
            fprintf(stderr, "width %d: stale bar on the final screen, row %d: '%s'\n", expect_width,
                    r, line);
            fragments++;
        }
        int i = summary ? 0 : case_line_index(line);
        if (summary) {
            continue; /* its width is checked with every other line above */
        } else if (i) {
            if (i != next)
                fprintf(stderr, "width %d: case line %d, want %d\n", expect_width, i, next);
            CHECK_EQ_INT(i, next);
            next = i + 1;
            if (strstr(line, "\xe2\x80\xa6")) ellipsis++;
            CHECK(strstr(line, "repetitions") || strstr(line, " reps") || strstr(line, " x3"));
        } else if (*line && strncmp(line, "cfbench", 7) && strncmp(line, "    ", 4)) {
            fprintf(stderr, "width %d: unexpected line on the final screen: '%s'\n", expect_width,
                    line);
            CHECK(!"only case lines and cfbench notes on the screen");
        }
    }
    CHECK_EQ_INT(fragments, 0);
    CHECK_EQ_INT(next, NCASES + 1);
    CHECK(summary); /* the summary follows the case lines (not with -q) */
    /* the cursor ends at the start of an empty line */
    row_text(&sc, sc.r, line, sizeof line);
    CHECK_EQ_STR(line, "");
    CHECK_EQ_INT(sc.c, 0);
    /* 60 columns and more: the ids whole ("median X s, 3 reps" makes room
     * at 60); 30 columns: "[1/3] " + " 1.23e-05 s x3" leave 9 columns for
     * "noop/thread/w1": cut with "…" */
    if (expect_width >= 60) {
        CHECK_EQ_INT(ellipsis, 0);
        CHECK(strstr(out.s, "noop/thread/w2") != NULL);
    }
    if (expect_width >= 80) CHECK(strstr(out.s, "median wall") != NULL);
    if (expect_width == 30) CHECK(ellipsis >= 2);
    if (check_failed_)
        fprintf(stderr, "raw output (%zu bytes) at width %d:\n%.*s\n", out.len, expect_width,
                (int)(out.len < 6000 ? out.len : 6000), out.s);
    free(out.s);
}

static void check_pipe(void) {
    fprintf(stderr, "-- pipe\n");
    int p[2];
    if (pipe(p)) {
        CHECK(!"pipe");
        return;
    }
    char out_json[PATH_MAX];
    snprintf(out_json, sizeof out_json, "%s/r-pipe.json", tmpdir);
    buf out = {0};
    int rc = run_capture(p[1], false, p[0], out_json, &out);
    close(p[0]);
    CHECK_EQ_INT(rc, 0);
    if (!out.s) {
        CHECK(!"cfbench printed its case lines on the pipe");
        return;
    }
    CHECK(memchr(out.s, 0x1b, out.len) == NULL); /* no escape codes */
    CHECK(memchr(out.s, '\r', out.len) == NULL); /* no bar redraws */
    int next = 1, summary = 0;
    for (char *line = out.s, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        CHECK(nl != NULL); /* every line ends */
        if (!nl) break;
        *nl = '\0';
        if (!*line) continue;                           /* the blank line before the summary */
        if (!strncmp(line, "Summary:", 8)) summary = 1; /* the end-of-run table and findings */
        int i = summary ? 0 : case_line_index(line);
        if (summary) {
            CHECK(strlen(line) <= 80); /* off a terminal the summary keeps to 80 columns */
            continue;
        } else if (i) {
            CHECK_EQ_INT(i, next);
            next = i + 1;
            /* the whole id, the whole text: no width applies to a pipe */
            CHECK(strstr(line, "noop/") && strstr(line, "repetitions"));
        } else {
            if (strncmp(line, "cfbench", 7)) fprintf(stderr, "pipe: unexpected line '%s'\n", line);
            CHECK(!strncmp(line, "cfbench", 7));
        }
    }
    CHECK_EQ_INT(next, NCASES + 1);
    free(out.s);
}

/* `cfbench flags` draws the book's tqdm-style bar: it too keeps within the
 * width (the bar narrows, then the times go) and ends on one full line. */
static void check_flags_tty(int width) {
    fprintf(stderr, "-- pty: cfbench flags, %d columns\n", width);
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    char slave[256];
    int sfd = -1;
    if (m < 0 || grantpt(m) || unlockpt(m) || ptsname_r(m, slave, sizeof slave) ||
        (sfd = open(slave, O_RDWR | O_NOCTTY)) < 0) {
        CHECK(!"a pseudo-terminal");
        if (m >= 0) close(m);
        return;
    }
    struct winsize ws = {.ws_row = 50, .ws_col = (unsigned short)width};
    CHECK_EQ_INT(ioctl(m, TIOCSWINSZ, &ws), 0);
    unsetenv("COLUMNS");
    char *argv[] = {cfbench, "flags", "-s", "DELAY", "--delay", "0.01:0.03",
                    "-m",    "2",     "-o", "-",     NULL};
    run_argv = argv;
    buf out = {0};
    int rc = run_capture(sfd, true, m, NULL, &out);
    run_argv = NULL;
    close(m);
    CHECK_EQ_INT(rc, 0);
    if (!out.s) {
        CHECK(!"cfbench flags printed something on the terminal");
        return;
    }
    CHECK(strstr(out.s, "\r\033[K") != NULL); /* the bar was drawn */
    static screen sc;
    memset(&sc, 0, sizeof sc);
    sc.width = width;
    sc.rows = 1;
    feed(&sc, out.s, out.len);
    if (sc.violations) fprintf(stderr, "flags, width %d: %s\n", width, sc.first_violation);
    CHECK_EQ_INT(sc.violations, 0);
    int bars = 0;
    char line[MAXCOLS * 5];
    for (int r = 0; r < sc.rows; r++) {
        row_text(&sc, r, line, sizeof line);
        if (strstr(line, "%|") || !strncmp(line, "100%", 4)) {
            bars++;
            CHECK(!strncmp(line, "100%", 4)); /* the one bar left is the final one */
        }
    }
    CHECK_EQ_INT(bars, 1);
    free(out.s);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    find_cfbench();
    if (access(cfbench, X_OK)) {
        fprintf(stderr, "no cfbench at %s (set CFBENCH)\n", cfbench);
        return 1;
    }
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    check_tty(60, NULL, 60);
    check_tty(80, NULL, 80);
    check_tty(120, NULL, 120);
    check_tty(40, NULL, 40); /* the bar without rate, elapsed, ETA */
    check_tty(30, NULL, 30); /* a narrower bar, ids cut */
    check_tty(0, "50", 50);  /* no size on the terminal: $COLUMNS */
    check_pipe();
    check_flags_tty(40);
    check_flags_tty(60);
    check_flags_tty(80);
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd)) fprintf(stderr, "could not remove %s\n", tmpdir);
    return check_summary();
}
