/* measure.c — rusage, perf instruction counters, host facts. */
#include "measure.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cfutures.h"
#include "context.h"

static double tv_s(struct timeval tv) {
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

void cfb_usage_now(cfb_usage *u) {
    struct rusage s, c;
    memset(u, 0, sizeof *u);
    if (getrusage(RUSAGE_SELF, &s) || getrusage(RUSAGE_CHILDREN, &c)) return;
    u->user_s = tv_s(s.ru_utime) + tv_s(c.ru_utime);
    u->sys_s = tv_s(s.ru_stime) + tv_s(c.ru_stime);
    u->max_rss_kb = s.ru_maxrss > c.ru_maxrss ? s.ru_maxrss : c.ru_maxrss;
    u->nvcsw = s.ru_nvcsw + c.ru_nvcsw;
    u->nivcsw = s.ru_nivcsw + c.ru_nivcsw;
}

struct cfb_instr {
    int fd;
};

static int instr_refused; /* main thread only */

cfb_instr *cfb_instr_start(void) {
    if (instr_refused || getenv("CFB_NO_PERF")) return NULL;
    struct perf_event_attr pe;
    memset(&pe, 0, sizeof pe);
    pe.type = PERF_TYPE_HARDWARE;
    pe.size = sizeof pe;
    pe.config = PERF_COUNT_HW_INSTRUCTIONS;
    pe.disabled = 1;
    pe.inherit = 1;
    pe.exclude_kernel = 1;
    pe.exclude_hv = 1;
    int fd = (int)syscall(SYS_perf_event_open, &pe, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0) {
        instr_refused = 1;
        return NULL;
    }
    cfb_instr *c = malloc(sizeof *c);
    if (!c) {
        close(fd);
        return NULL;
    }
    c->fd = fd;
    ioctl(fd, PERF_EVENT_IOC_RESET, 0);
    ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
    return c;
}

bool cfb_instr_stop(cfb_instr *c, uint64_t *count) {
    if (!c) return false;
    ioctl(c->fd, PERF_EVENT_IOC_DISABLE, 0);
    uint64_t v = 0;
    ssize_t r = read(c->fd, &v, sizeof v);
    close(c->fd);
    free(c);
    if (r != (ssize_t)sizeof v || v == 0)
        return false; /* a zero count means "not counted", never a measurement */
    *count = v;
    return true;
}

static void read_field(const char *path, const char *key, char *out, size_t len) {
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[512];
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, kl) != 0) continue;
        char *v = line + kl;
        while (*v == ' ' || *v == '\t' || *v == ':' || *v == '=')
            v++;
        if (*v == '"') v++;
        size_t n = strcspn(v, "\"\n");
        v[n] = '\0';
        snprintf(out, len, "%s", v);
        break;
    }
    fclose(f);
}

json_t *cfb_host_json(void) {
    char host[256] = "unknown", model[256], os[256], kernel[300] = "unknown";
    gethostname(host, sizeof host - 1);
    read_field("/proc/cpuinfo", "model name", model, sizeof model);
    read_field("/etc/os-release", "PRETTY_NAME", os, sizeof os);
    struct utsname u;
    if (uname(&u) == 0) snprintf(kernel, sizeof kernel, "%s %s", u.sysname, u.release);
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    json_t *h = json_object();
    json_object_set_new(h, "hostname", json_string(host));
    json_object_set_new(h, "cpus", json_integer(cf_cpu_count()));
    json_object_set_new(h, "cpu_model", model[0] ? json_string(model) : json_null());
    json_object_set_new(h, "kernel", json_string(kernel));
    json_object_set_new(h, "memory_bytes",
                        pages > 0 && psz > 0 ? json_integer((json_int_t)pages * psz) : json_null());
    json_object_set_new(h, "os", os[0] ? json_string(os) : json_null());
    /* issue 11: what the process may actually use, and the clock and caches */
    char list[1024];
    json_object_set_new(h, "cpus_allowed", json_integer(cfb_cpus_allowed(list, sizeof list)));
    json_object_set_new(h, "cpu_list", json_string(list));
    double mhz = cfb_cpu_mhz();
    json_object_set_new(h, "cpu_mhz", isfinite(mhz) ? json_real(mhz) : json_null());
    char gov[64];
    json_object_set_new(h, "cpu_governor",
                        cfb_cpu_governor(gov, sizeof gov) == 0 ? json_string(gov) : json_null());
    json_object_set_new(h, "caches", cfb_caches_json());
    return h;
}

void cfb_iso_now(char *buf, size_t len) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
