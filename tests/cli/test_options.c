/*
 * test_options.c — the one option vocabulary (runners/options.[ch]):
 *  - a short letter belongs to one long name in every command (the book set
 *    of `cfbench flags` excepted, and only flags may use it);
 *  - every subcommand of cfbench_main.c has an option table, and each option
 *    of the table shows in its --help with the letter it has there, and the
 *    help shows no letter the table does not give;
 *  - `--out` is the one name of every output option;
 *  - unknown options get one line with a "did you mean", exit 2;
 *  - every `cfbench CMD …` invocation in README.md and docs/ (*.md) parses
 *    with no deprecated spelling, and the old spellings still parse.
 * Runs the commands in-process (stdout/stderr captured in a temp file).
 */
#include <ctype.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "commands.h"
#include "options.h"

/* The whole file at path (malloc'd, caller frees), or NULL. */
static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *s = malloc(cap);
    size_t k;
    while (s && (k = fread(s + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (cap - n < 2) {
            char *t = realloc(s, cap *= 2);
            if (!t) {
                free(s);
                s = NULL;
            }
            s = t;
        }
    }
    fclose(f);
    if (s) s[n] = '\0';
    return s;
}

/* Run fn(argc, argv) with fd (1 or 2) going to a temp file; returns what it
 * wrote (malloc'd, caller frees) and the exit code in *rc. */
static char *capture(int fd, cfb_command_fn fn, int argc, char **argv, int *rc) {
    char path[] = "/tmp/cfb-test-options-XXXXXX";
    int t = mkstemp(path);
    if (t < 0) return NULL;
    fflush(stdout);
    fflush(stderr);
    int saved = dup(fd);
    dup2(t, fd);
    *rc = fn(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved, fd);
    close(saved);
    close(t);
    char *s = slurp(path);
    unlink(path);
    return s;
}

static int check_only_cmd_; /* for check_fn: the command cfb_opts_check parses */
static const char *check_cmd_name_;
static int check_fn(int argc, char **argv) {
    return cfb_opts_check(check_cmd_name_, argc, argv, &check_only_cmd_);
}

static const cfb_cmdopts *cmdopts(const char *name) {
    size_t n;
    const cfb_cmdopts *c = cfb_opts_commands(&n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(c[i].command, name)) return &c[i];
    return NULL;
}

static bool has_id(const cfb_cmdopts *c, int id) {
    for (const int *k = c->ids; *k; k++)
        if (*k == id) return true;
    return false;
}

/* One letter, one long name; long names unique; the book set only in flags. */
static void test_vocabulary(void) {
    size_t n, na, nc;
    const cfb_optdef *v = cfb_opts_vocabulary(&n);
    const cfb_optalias *a = cfb_opts_aliases(&na);
    const cfb_cmdopts *c = cfb_opts_commands(&nc);
    CHECK(n > 20);
    for (size_t i = 0; i < n; i++) {
        CHECK(v[i].id >= CFB_OPT_FIRST_ && v[i].id < CFB_OPT_END_);
        CHECK(v[i].meaning && *v[i].meaning);
        CHECK(cfb_opts_def(v[i].id) == &v[i]);
        for (size_t j = i + 1; j < n; j++) {
            CHECK(v[i].id != v[j].id);
            if (strcmp(v[i].name, v[j].name) == 0)
                fprintf(stderr, "long name --%s twice\n", v[i].name);
            CHECK(strcmp(v[i].name, v[j].name) != 0);
            if (v[i].letter && v[i].letter == v[j].letter && !v[i].book && !v[j].book) {
                fprintf(stderr, "-%c is both --%s and --%s\n", v[i].letter, v[i].name, v[j].name);
                CHECK(0);
            }
        }
        /* no output option called anything but --out */
        CHECK(strcmp(v[i].name, "output") && strcmp(v[i].name, "output-dir") &&
              strcmp(v[i].name, "outdir") && strcmp(v[i].name, "out-dir"));
    }
    CHECK_EQ_INT(cfb_opts_def(CFB_OPT_OUT)->letter, 'o');
    /* each letter of the vocabulary, one long name, the same in every command */
    for (size_t i = 0; i < nc; i++)
        for (const int *k = c[i].ids; *k; k++) {
            const cfb_optdef *d = cfb_opts_def(*k);
            CHECK(d != NULL);
            if (!d) continue;
            if (d->book && strcmp(c[i].command, "flags")) {
                fprintf(stderr, "%s uses the book option --%s\n", c[i].command, d->name);
                CHECK(0);
            }
            char l = cfb_opts_letter(c[i].command, *k);
            CHECK(l == 0 || l == d->letter);
            for (const int *k2 = k + 1; *k2; k2++)
                CHECK(*k != *k2);
        }
    /* aliases: hidden spellings of an option the command has, not clashing */
    for (size_t i = 0; i < na; i++) {
        const cfb_optdef *d = cfb_opts_def(a[i].of);
        CHECK(d != NULL);
        CHECK(a[i].command != NULL);
        const cfb_cmdopts *cc = a[i].command ? cmdopts(a[i].command) : NULL;
        CHECK(cc && has_id(cc, a[i].of));
        if (a[i].name)
            for (size_t j = 0; j < n; j++)
                CHECK(strcmp(a[i].name, v[j].name) != 0);
    }
    /* every command that writes a file or a directory takes --out */
    const char *writers[] = {"run", "plot", "flags", "compare", "ab", "export", "history"};
    for (size_t i = 0; i < sizeof writers / sizeof *writers; i++) {
        const cfb_cmdopts *cc = cmdopts(writers[i]);
        CHECK(cc && has_id(cc, CFB_OPT_OUT));
    }
    /* the book's flags2 options in flags, with the book's letters */
    const cfb_cmdopts *fl = cmdopts("flags");
    CHECK(fl != NULL);
    if (fl) {
        const char *book = "aelmsv";
        for (const char *b = book; *b; b++) {
            bool found = false;
            for (const int *k = fl->ids; *k; k++)
                found |= cfb_opts_letter("flags", *k) == *b;
            CHECK(found);
        }
        CHECK_EQ_INT(cfb_opts_letter("flags", CFB_OPT_MODE), 0); /* -m is --max-req there */
        CHECK_EQ_INT(cfb_opts_letter("run", CFB_OPT_MODE), 'm');
    }
    for (size_t i = 0; i < nc; i++) {
        cfb_optparser p;
        CHECK_EQ_INT(cfb_opts_init(&p, c[i].command), 0);
    }
}

/* Every subcommand (cli/commands.c, the table the CLI dispatches
 * through) has an option table in options.c, and no cli/cmd_*.c
 * declares its own getopt_long table. */
static void test_every_command(void) {
    size_t seen = 0;
    for (const cfb_command *c = cfb_commands(); c->name; c++, seen++) {
        if (!cmdopts(c->name)) fprintf(stderr, "command %s: no option table\n", c->name);
        CHECK(cmdopts(c->name) != NULL);
    }
    CHECK(seen >= 14); /* run … futures: the table is not cut short */
    DIR *d = opendir(CFB_TESTS_DIR "/../runners");
    CHECK(d != NULL);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "cmd_", 4) || !strstr(e->d_name, ".c")) continue;
        char path[512];
        snprintf(path, sizeof path, "%s/../runners/%s", CFB_TESTS_DIR, e->d_name);
        char *src = slurp(path);
        CHECK(src != NULL);
        if (src && (strstr(src, "struct option ") || strstr(src, "getopt_long("))) {
            fprintf(stderr, "%s has its own getopt_long table: use cli/options.c\n", e->d_name);
            CHECK(0);
        }
        free(src);
    }
    if (d) closedir(d);
}

/* --help of each command: every option of the table, with its letter there;
 * no "-x, --name" pair the table does not give. */
static void test_help(void) {
    for (const cfb_command *cmd = cfb_commands(); cmd->name; cmd++) {
        char *argv[] = {(char *)cmd->name, "--help", NULL};
        int rc = -1;
        char *out = capture(1, cmd->fn, 2, argv, &rc);
        CHECK_EQ_INT(rc, 0);
        CHECK(out && strstr(out, "usage: cfbench ") == out);
        const cfb_cmdopts *c = cmdopts(cmd->name);
        CHECK(c != NULL);
        if (!out || !c) {
            free(out);
            continue;
        }
        for (const int *k = c->ids; *k; k++) {
            const cfb_optdef *d = cfb_opts_def(*k);
            char want[96];
            char l = cfb_opts_letter(cmd->name, *k);
            if (l)
                snprintf(want, sizeof want, "-%c, --%s", l, d->name);
            else
                snprintf(want, sizeof want, "--%s", d->name);
            if (!strstr(out, want)) {
                fprintf(stderr, "cfbench %s --help lacks '%s'\n", cmd->name, want);
                CHECK(0);
            }
        }
        /* each "-x, --name" in the help is what the table says */
        for (const char *s = out; (s = strstr(s, ", --")) != NULL; s += 4) {
            if (s < out + 2 || s[-2] != '-' || !isalpha((unsigned char)s[-1])) continue;
            char name[64];
            if (sscanf(s + 4, "%63[a-z_-]", name) != 1) continue;
            bool ok = false;
            for (const int *k = c->ids; *k; k++)
                ok |= !strcmp(cfb_opts_def(*k)->name, name) &&
                      cfb_opts_letter(cmd->name, *k) == s[-1];
            if (!ok) {
                fprintf(stderr, "cfbench %s --help shows '-%c, --%s', not in the table\n",
                        cmd->name, s[-1], name);
                CHECK(0);
            }
        }
        free(out);
    }
}

/* One stderr line for a bad option, exit 2. */
static void expect_error(const char *cmd, const char *opt, const char *line) {
    cfb_command_fn fn = NULL;
    for (const cfb_command *c = cfb_commands(); c->name; c++)
        if (!strcmp(c->name, cmd)) fn = c->fn;
    char *argv[] = {(char *)cmd, (char *)opt, NULL};
    int rc = -1;
    char *err = capture(2, fn, 2, argv, &rc);
    CHECK_EQ_INT(rc, CFB_EXIT_USAGE);
    CHECK_EQ_STR(err, line);
    free(err);
}

static void test_did_you_mean(void) {
    expect_error("run", "--wrokers",
                 "cfbench run: unknown option '--wrokers' \xe2\x80\x94 did you mean "
                 "'--workers'? (see cfbench run --help)\n");
    expect_error("compare", "--treshold=5%",
                 "cfbench compare: unknown option '--treshold' \xe2\x80\x94 did you mean "
                 "'--threshold'? (see cfbench compare --help)\n");
    expect_error("flags", "--outptu",
                 "cfbench flags: unknown option '--outptu' \xe2\x80\x94 did you mean "
                 "'--out'? (see cfbench flags --help)\n");
    expect_error("run", "--zzzzzzzz",
                 "cfbench run: unknown option '--zzzzzzzz' (see cfbench run --help)\n");
    expect_error("run", "--work",
                 "cfbench run: option '--work' is ambiguous: --workload, --workers "
                 "(see cfbench run --help)\n");
    expect_error("run", "-z", "cfbench run: unknown option '-z' (see cfbench run --help)\n");
    expect_error("run", "-o",
                 "cfbench run: option '-o' needs a value (PATH) (see cfbench run --help)\n");
    expect_error("history", "--out",
                 "cfbench history: option '--out' needs a value (PATH) "
                 "(see cfbench history --help)\n");
    expect_error("list", "--quiet=1",
                 "cfbench list: unknown option '--quiet' (an option of other commands, not of "
                 "this one; see cfbench list --help)\n");
    expect_error("serve", "-w",
                 "cfbench serve: unknown option '-w' (-w is --workload, which cfbench serve does "
                 "not take; see cfbench serve --help)\n");
    expect_error("run", "--quiet=1",
                 "cfbench run: option '--quiet=1' takes no value (see cfbench run --help)\n");
    /* a typo (two neighbours swapped) of every long option of every command
     * comes back as that option */
    size_t nc;
    const cfb_cmdopts *c = cfb_opts_commands(&nc);
    for (size_t i = 0; i < nc; i++)
        for (const int *k = c[i].ids; *k; k++) {
            const char *name = cfb_opts_def(*k)->name;
            size_t len = strlen(name);
            if (len < 5) continue;
            char typo[80], arg[96];
            snprintf(typo, sizeof typo, "%s", name);
            char t = typo[len - 2];
            typo[len - 2] = typo[len - 1];
            typo[len - 1] = t;
            if (typo[len - 2] == typo[len - 1]) continue;
            snprintf(arg, sizeof arg, "--%s", typo);
            char *argv[] = {(char *)c[i].command, arg, NULL};
            check_cmd_name_ = c[i].command;
            int rc = 0;
            char *err = capture(2, check_fn, 2, argv, &rc);
            char want[128];
            snprintf(want, sizeof want, "did you mean '--%s'?", name);
            if (rc != CFB_OPT_ERROR || !err || !strstr(err, want)) {
                fprintf(stderr, "%s %s: got %s", c[i].command, arg, err ? err : "(null)\n");
                CHECK(0);
            }
            free(err);
        }
}

/* Split a shell-like command line into argv (in place; quotes '…' and "…";
 * stops at | > < ; & # and backticks). Returns argc. */
static int split_line(char *s, char **argv, int max) {
    int argc = 0;
    while (*s && argc < max - 1) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s || strchr("|><;&#`)", *s) || !strncmp(s, "2>", 2)) break;
        char *w = s, *o = s;
        while (*s && *s != ' ' && *s != '\t' && *s != '`') {
            if (*s == '\'' || *s == '"') {
                char q = *s++;
                while (*s && *s != q)
                    *o++ = *s++;
                if (*s) s++;
            } else
                *o++ = *s++;
        }
        bool end = !*s || *s == '`';
        *o = '\0';
        argv[argc++] = w;
        if (end) break;
        s++;
    }
    argv[argc] = NULL;
    return argc;
}

/* Every `cfbench CMD …` in one markdown file parses, with no deprecated
 * spelling, unless the line says "deprecated" or "exit 2" (shown on purpose). */
static int check_doc(const char *path, int *nchecked) {
    char *text = slurp(path);
    if (!text) return 0;
    int bad = 0, lineno = 0;
    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        /* deprecated spellings and bad usage shown on purpose */
        if (strstr(line, "deprecated") || strstr(line, "exit 2") || strstr(line, "(see cfbench"))
            continue;
        for (char *at = line; (at = strstr(at, "cfbench ")) != NULL; at += 8) {
            if (at > line && (isalnum((unsigned char)at[-1]) || at[-1] == '-' || at[-1] == '_'))
                continue;
            char *cmd = at + 8;
            size_t len = strspn(cmd, "abcdefghijklmnopqrstuvwxyz");
            if (!len || (cmd[len] && cmd[len] != ' ' && cmd[len] != '`')) continue;
            char name[32];
            snprintf(name, sizeof name, "%.*s", (int)len, cmd);
            if (!cmdopts(name)) continue;
            char buf[1024];
            snprintf(buf, sizeof buf, "%s", cmd);
            /* inside an inline code span: up to its closing backtick */
            int ticks = 0;
            for (char *q = line; q < at; q++)
                ticks += *q == '`';
            if (ticks % 2 == 1) {
                char *tick = strchr(buf, '`');
                if (tick) *tick = '\0';
            }
            char *argv[128];
            int argc = split_line(buf, argv, 128);
            check_cmd_name_ = name;
            int rc = 0;
            check_only_cmd_ = 0;
            char *err = capture(2, check_fn, argc, argv, &rc);
            (*nchecked)++;
            /* `cfbench serve --root` in prose names an option: no value needed */
            if (rc != 0 && ticks % 2 == 1 && argc > 1 && argv[argc - 1][0] == '-' && err &&
                strstr(err, "needs a value"))
                rc = 0;
            if (rc != 0 || check_only_cmd_) {
                fprintf(stderr, "%s:%d: `%.*s…`: %s", path, lineno, 60, at, err ? err : "\n");
                bad++;
            }
            free(err);
        }
    }
    free(text);
    return bad;
}

static void test_docs(void) {
    int nchecked = 0, bad = check_doc(CFB_TESTS_DIR "/../README.md", &nchecked);
    DIR *d = opendir(CFB_TESTS_DIR "/../docs");
    CHECK(d != NULL);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 4 || strcmp(e->d_name + l - 3, ".md")) continue;
        char path[512];
        snprintf(path, sizeof path, "%s/../docs/%s", CFB_TESTS_DIR, e->d_name);
        bad += check_doc(path, &nchecked);
    }
    if (d) closedir(d);
    fprintf(stderr, "%d documented invocations checked\n", nchecked);
    CHECK(nchecked > 30);
    CHECK_EQ_INT(bad, 0);
}

/* docs/cli.md's vocabulary table lists every letter, and names every option. */
static void test_vocabulary_doc(void) {
    char *doc = slurp(CFB_TESTS_DIR "/../docs/cli.md");
    CHECK(doc != NULL);
    size_t n;
    const cfb_optdef *v = cfb_opts_vocabulary(&n);
    for (size_t i = 0; doc && i < n; i++) {
        char want[96];
        if (v[i].letter && !v[i].book)
            snprintf(want, sizeof want, "| `-%c` | `--%s", v[i].letter, v[i].name);
        else
            snprintf(want, sizeof want, "`--%s", v[i].name);
        if (!strstr(doc, want)) {
            fprintf(stderr, "docs/cli.md lacks %s\n", want);
            CHECK(0);
        }
    }
    CHECK(doc && strstr(doc, "The exception: `cfbench flags` keeps the book's flags"));
    free(doc);
}

/* The spellings the docs used before the one vocabulary still parse (with a
 * deprecation note), so scripts keep working. */
static void test_old_spellings(void) {
    static const char *old[][8] = {
        {"flags", "--output", "DIR", NULL},
        {"flags", "-t", "2", NULL},
        {"ab", "--base-cmd", "true", "--new-cmd", "true", "-n", "20", NULL},
        {"ab", "--runs", "3", NULL},
        {"compare", "-m", "cpu", "a.json", "b.json", NULL},
        {"history", "-m", "cpu", "dir", NULL},
        {"primes", "-s", "small", "-n", "7,11", NULL},
        {"loiter", "-t", "3", "-a", "-r", NULL},
        {"serve", "-p", "8001", "-r", "dir", "-s", "7", NULL},
        {"serve", "-t", "2", "-c", "10", NULL},
        {"plot", "-t", "all", "r.json", NULL},
    };
    for (size_t i = 0; i < sizeof old / sizeof *old; i++) {
        int argc = 0;
        while (argc < 8 && old[i][argc])
            argc++;
        check_cmd_name_ = old[i][0];
        int rc = -1;
        char *err = capture(2, check_fn, argc, (char **)old[i], &rc);
        CHECK_EQ_INT(rc, 0);
        CHECK(check_only_cmd_ > 0);
        CHECK(err && strstr(err, "deprecated"));
        free(err);
    }
    /* the book's flags and its --max_req spelling: no note */
    char *argv[] = {"flags",     "-s", "DELAY", "-a", "-m", "30",
                    "--max_req", "3",  "-l",    "5",  "-v", NULL};
    check_cmd_name_ = "flags";
    int rc = -1;
    char *err = capture(2, check_fn, 11, argv, &rc);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(check_only_cmd_, 0);
    CHECK_EQ_STR(err, "");
    free(err);
}

int main(void) {
    RUN(test_vocabulary);
    RUN(test_every_command);
    RUN(test_help);
    RUN(test_did_you_mean);
    RUN(test_docs);
    RUN(test_vocabulary_doc);
    RUN(test_old_spellings);
    return check_summary();
}
