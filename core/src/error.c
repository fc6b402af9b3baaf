/* error.c — cf_strerror(). */
#include "cfutures.h"

const char *cf_strerror(int code) {
    switch (code) {
    case CF_OK:
        return "success";
    case CF_EINVAL:
        return "invalid argument";
    case CF_ENOMEM:
        return "out of memory";
    case CF_ETIMEDOUT:
        return "timed out";
    case CF_ECANCELLED:
        return "cancelled";
    case CF_EBROKEN:
        return "executor is broken";
    case CF_ESHUTDOWN:
        return "executor is shut down";
    case CF_ESTATE:
        return "invalid state";
    case CF_ETASK:
        return "task failed";
    case CF_ETOOBIG:
        return "too large to transfer";
    case CF_ESYS:
        return "system call failed";
    case CF_EEOF:
        return "no more items";
    case CF_ENOTSUP:
        return "not supported";
    default:
        return "unknown error code";
    }
}
