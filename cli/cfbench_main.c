/* cfbench_main.c — the `cfbench` CLI: dispatch to subcommands. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "suggest.h"

static void usage(FILE *to) {
    fprintf(to, "usage: cfbench COMMAND [OPTIONS]   (cfbench COMMAND --help for more)\n\n"
                "cfbench measures what threads, processes and an event loop buy I/O-bound\n"
                "and CPU-bound work, on cfutures (concurrent.futures for C).\n\ncommands:\n");
    for (const cfb_command *c = cfb_commands(); c->name; c++)
        fprintf(to, "  %-10s %s\n", c->name, c->summary);
    fprintf(to, "  %-10s %s\n", "version", "print version and commit");
    fprintf(to, "  %-10s %s\n", "help", "help CMD: the same as cfbench CMD --help");
    fprintf(to, "\nexit codes: 0 ok, 1 failure or regression, 2 bad usage/input, 3 environment\n");
}

static const cfb_command *find_command(const char *name) {
    for (const cfb_command *c = cfb_commands(); c->name; c++)
        if (!strcmp(c->name, name)) return c;
    return NULL;
}

/* Every name `cfbench NAME` accepts, for "did you mean". */
static const char *const extra_names[] = {"help", "version"};

static int unknown_command(const char *prefix, const char *name) {
    const char *cands[CFB_COMMANDS_MAX + 2];
    size_t n = 0;
    for (const cfb_command *c = cfb_commands(); c->name; c++)
        cands[n++] = c->name;
    for (size_t i = 0; i < sizeof extra_names / sizeof extra_names[0]; i++)
        cands[n++] = extra_names[i];
    const char *best = name[0] == '-' ? NULL : cfb_suggest(name, cands, n);
    if (best)
        fprintf(stderr, "%s: unknown command '%s' — did you mean '%s'? (see cfbench --help)\n",
                prefix, name, best);
    else
        fprintf(stderr, "%s: unknown command '%s' (see cfbench --help)\n", prefix, name);
    return CFB_EXIT_USAGE;
}

/* `cfbench help [CMD]`: the top-level help, or CMD's own --help. */
static int help(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "--help")) {
        usage(stdout);
        return CFB_EXIT_OK;
    }
    if (argc > 2) {
        fprintf(stderr, "cfbench help: one command at a time (cfbench help %s)\n", argv[1]);
        return CFB_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "version")) {
        printf("usage: cfbench version   (or --version)\n\nprint the version and the git commit it "
               "was built from\n");
        return CFB_EXIT_OK;
    }
    const cfb_command *c = find_command(argv[1]);
    if (!c) return unknown_command("cfbench help", argv[1]);
    char *sub[] = {(char *)c->name, "--help", NULL};
    return c->fn(2, sub);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return CFB_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "-h") || !strcmp(name, "--help")) {
        usage(stdout);
        return CFB_EXIT_OK;
    }
    if (!strcmp(name, "help")) return help(argc - 1, argv + 1);
    if (!strcmp(name, "version") || !strcmp(name, "--version")) {
        printf("cfbench %s (%s)\n", CFB_VERSION, CFB_GIT_COMMIT);
        return CFB_EXIT_OK;
    }
    const cfb_command *c = find_command(name);
    if (c) return c->fn(argc - 1, argv + 1);
    return unknown_command("cfbench", name);
}
