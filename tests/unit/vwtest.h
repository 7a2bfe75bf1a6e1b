/* vwtest.h: the whole unit-test framework: checks that record failures and a runner.
 *
 *   static void test_header_roundtrip(void) { CHECK(x == 1); CHECK_EQ_INT(a, b); ... }
 *   int main(void) { RUN(test_header_roundtrip); return vwtest_summary("packet"); }
 *
 * A failed check prints file:line and the expression, marks the current test failed and goes on;
 * vwtest_summary prints "NAME: N passed, M failed" and returns the exit status. */
#ifndef VWTEST_H
#define VWTEST_H

#include <stdio.h>
#include <string.h>

static int vwtest_failed_checks;
static int vwtest_passed, vwtest_failed;

#define CHECK(cond) do { \
        if (!(cond)) { \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
            vwtest_failed_checks++; \
        } \
    } while (0)

#define CHECK_EQ_INT(a, b) do { \
        long long vw_a_ = (long long)(a), vw_b_ = (long long)(b); \
        if (vw_a_ != vw_b_) { \
            fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", \
                    __FILE__, __LINE__, #a, #b, vw_a_, vw_b_); \
            vwtest_failed_checks++; \
        } \
    } while (0)

#define CHECK_EQ_STR(a, b) do { \
        const char *vw_a_ = (a), *vw_b_ = (b); \
        if (!vw_a_ || !vw_b_ || strcmp(vw_a_, vw_b_) != 0) { \
            fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__, \
                    #a, #b, vw_a_ ? vw_a_ : "(null)", vw_b_ ? vw_b_ : "(null)"); \
            vwtest_failed_checks++; \
        } \
    } while (0)

#define CHECK_EQ_MEM(a, b, n) do { \
        const unsigned char *vw_a_ = (const unsigned char *)(a), *vw_b_ = (const unsigned char *)(b); \
        size_t vw_n_ = (n); \
        for (size_t vw_i_ = 0; vw_i_ < vw_n_; vw_i_++) { \
            if (vw_a_[vw_i_] != vw_b_[vw_i_]) { \
                fprintf(stderr, "%s:%d: %s and %s differ at byte %zu: %02x != %02x\n", \
                        __FILE__, __LINE__, #a, #b, vw_i_, vw_a_[vw_i_], vw_b_[vw_i_]); \
                vwtest_failed_checks++; \
                break; \
            } \
        } \
    } while (0)

#define RUN(fn) do { \
        int vw_before_ = vwtest_failed_checks; \
        fn(); \
        if (vwtest_failed_checks == vw_before_) { vwtest_passed++; } \
        else { vwtest_failed++; fprintf(stderr, "FAIL %s\n", #fn); } \
    } while (0)

static inline int vwtest_summary(const char *suite)
{
    printf("%s: %d passed, %d failed\n", suite, vwtest_passed, vwtest_failed);
    return vwtest_failed ? 1 : 0;
}

#endif
