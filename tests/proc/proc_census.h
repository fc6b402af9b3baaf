/*
 * proc_census.h — counts of this process's open descriptors and child
 * processes, read from /proc. Shared by the process-pool tests (leak and
 * pool-size checks) and bench/core_bench (the million-task leak section).
 * Header-only, no dependencies beyond libc.
 */
#ifndef CFB_PROC_CENSUS_H
#define CFB_PROC_CENSUS_H

#include <dirent.h>
#include <stdio.h>
#include <string.h>

/* Open descriptors of this process; -1 if /proc is unreadable. */
static inline int pt_count_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n - 1; /* the DIR's own descriptor */
}

/* Processes whose parent is ppid (scans /proc); -1 if /proc is unreadable. */
static inline int pt_count_children(int ppid) {
    DIR *d = opendir("/proc");
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        size_t k = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[k] = '\0';
        const char *rp = strrchr(buf, ')');
        char st;
        int pp;
        if (rp && sscanf(rp + 1, " %c %d", &st, &pp) == 2 && pp == ppid) n++;
    }
    closedir(d);
    return n;
}

#endif
