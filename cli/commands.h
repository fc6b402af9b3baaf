/*
 * commands.h — the cfbench subcommands. Each lives in its own file and is
 * listed in the table in cli/commands.c.
 *
 * A command gets argv with argv[0] = the subcommand name, parses its
 * options through the shared table (cli/options.h), answers --help on stdout with exit 0, and
 * returns the process exit code:
 *   0  success
 *   1  the work ran but failed (a regression found, tasks failed, …)
 *   2  bad usage or bad input (one line on stderr: "cfbench CMD: …")
 *   3  an environment problem (a missing program, an unwritable path, …)
 */
#ifndef CFB_COMMANDS_H
#define CFB_COMMANDS_H

#define CFB_EXIT_OK 0
#define CFB_EXIT_FAIL 1
#define CFB_EXIT_USAGE 2
#define CFB_EXIT_ENV 3

typedef int (*cfb_command_fn)(int argc, char **argv);

typedef struct cfb_command {
    const char *name;
    cfb_command_fn fn;
    const char *summary; /* one line for `cfbench --help` */
} cfb_command;

/* Every subcommand in listing order, ended by an entry whose name is NULL
 * (cli/commands.c; static, not to be freed). A new command adds its
 * line there and its options to cli/options.c. */
#define CFB_COMMANDS_MAX 32
const cfb_command *cfb_commands(void);

#endif
