/* test_errors: every CF_E* code has its own description. */
#include "check.h"
#include "cfutures.h"

static void test_strerror(void) {
    int codes[] = {CF_OK,      CF_EINVAL,    CF_ENOMEM, CF_ETIMEDOUT, CF_ECANCELLED,
                   CF_EBROKEN, CF_ESHUTDOWN, CF_ESTATE, CF_ETASK,     CF_ETOOBIG,
                   CF_ESYS,    CF_EEOF,      CF_ENOTSUP};
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        const char *s = cf_strerror(codes[i]);
        CHECK(s != NULL && *s != '\0');
        CHECK(strcmp(s, "unknown error code") != 0);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(s, cf_strerror(codes[j])) != 0);
    }
    CHECK_EQ_STR(cf_strerror(-9999), "unknown error code");
    CHECK_EQ_STR(cf_strerror(42), "unknown error code");
}

int main(void) {
    RUN(test_strerror);
    return check_summary();
}
