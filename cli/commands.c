/* commands.c — the table of cfbench's subcommands (commands.h): the CLI
 * dispatches through it and the tests walk it. */
#include "commands.h"

#include <stddef.h>

/* One line per subcommand; each file defines its cfb_cmd_* function. */
int cfb_cmd_run(int argc, char **argv);
int cfb_cmd_list(int argc, char **argv);
int cfb_cmd_primes(int argc, char **argv);
int cfb_cmd_loiter(int argc, char **argv);
int cfb_cmd_serve(int argc, char **argv);
int cfb_cmd_plot(int argc, char **argv);
int cfb_cmd_flags(int argc, char **argv);
int cfb_cmd_compare(int argc, char **argv);
int cfb_cmd_export(int argc, char **argv);
int cfb_cmd_ab(int argc, char **argv);
int cfb_cmd_history(int argc, char **argv);
int cfb_cmd_spinner(int argc, char **argv);
int cfb_cmd_procs(int argc, char **argv);
int cfb_cmd_futures(int argc, char **argv);

static const cfb_command commands[] = {
    {"run", cfb_cmd_run, "sweep workloads x modes x workers, write results JSON"},
    {"list", cfb_cmd_list, "list workloads, their parameters, modes"},
    {"primes", cfb_cmd_primes, "the book's primality demo (n  P  elapsed)"},
    {"loiter", cfb_cmd_loiter, "the book's map vs as_completed demo (sleeping tasks)"},
    {"serve", cfb_cmd_serve, "run the embedded flag HTTP server (LOCAL, DELAY, ERROR)"},
    {"plot", cfb_cmd_plot, "charts (gnuplot) and an HTML report from results files"},
    {"flags", cfb_cmd_flags, "download flags like the book's flags2 client"},
    {"compare", cfb_cmd_compare, "compare two results files: regression verdicts for CI"},
    {"ab", cfb_cmd_ab, "measure two versions in one job, paired: regression verdicts for CI"},
    {"export", cfb_cmd_export, "export results as CSV, markdown or Google Benchmark JSON"},
    {"history", cfb_cmd_history, "series over many results files: change points, charts"},
    {"spinner", cfb_cmd_spinner, "the book's spinner: animation vs a slow computation, by mode"},
    {"procs", cfb_cmd_procs, "the book's procs.py: N processes fed by a job queue"},
    {"futures", cfb_cmd_futures, "each future's state as it changes, then executor.map"},
    {NULL, NULL, NULL},
};

_Static_assert(sizeof commands / sizeof commands[0] - 1 <= CFB_COMMANDS_MAX,
               "raise CFB_COMMANDS_MAX");

const cfb_command *cfb_commands(void) {
    return commands;
}
