/* test_fq_release_name.c: the modelled QEMU release from the name fake-qemu runs under
 * (fake-qemu/release_name.c): which names say a release, and a symlink chain followed to the
 * first name that does, with real symlinks in a temporary directory. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../fake-qemu/release_name.h"
#include "vwtest.h"

static void test_names(void)
{
    int major = -1, minor = -1;
    CHECK_EQ_INT(fq_release_name_parse("fake-qemu-5.2", &major, &minor), 1);
    CHECK_EQ_INT(major, 5);
    CHECK_EQ_INT(minor, 2);
    CHECK_EQ_INT(fq_release_name_parse("/opt/vw/bin/fake-qemu-10.0", &major, &minor), 1);
    CHECK_EQ_INT(major, 10);
    CHECK_EQ_INT(minor, 0);
    static const char *const not_names[] = {
        "fake-qemu", "fake-qemu-", "fake-qemu-static", "fake-qemu-7", "fake-qemu-7.2.22",
        "fake-qemu-7.2x", "fake-qemu--7.2", "fake-qemu- 7.2", "qemu-system-x86_64",
        "fake-qemu-7.2/fake-qemu", "xfake-qemu-7.2", "fake-qemu-7.-2", "fake-qemu-+7.2",
        "fake-qemu-12345.1",
    };
    for (size_t i = 0; i < sizeof(not_names) / sizeof(not_names[0]); i++)
        if (fq_release_name_parse(not_names[i], &major, &minor) != 0) {
            fprintf(stderr, "'%s' taken for a release name\n", not_names[i]);
            CHECK(0);
        }
}

static void test_symlink_chain(void)
{
    char dir[] = "/tmp/vw-release-XXXXXX", a[128], b[128], c[128], name[4096];
    int major = -1, minor = -1;
    CHECK(mkdtemp(dir) != NULL);
    /* DIR/qemu-system-x86_64 -> DIR/fake-qemu-11.1 (absolute) -> fake-qemu (relative) */
    snprintf(a, sizeof(a), "%s/qemu-system-x86_64", dir);
    snprintf(b, sizeof(b), "%s/fake-qemu-11.1", dir);
    snprintf(c, sizeof(c), "%s/fake-qemu", dir);
    CHECK(symlink(b, a) == 0);
    CHECK(symlink("fake-qemu", b) == 0);
    FILE *f = fopen(c, "w");
    CHECK(f != NULL);
    if (f)
        fclose(f);
    CHECK_EQ_INT(fq_release_from_name(a, &major, &minor, name, sizeof(name)), 1);
    CHECK_EQ_INT(major, 11);
    CHECK_EQ_INT(minor, 1);
    CHECK_EQ_STR(name, b);
    CHECK_EQ_INT(fq_release_from_name(c, &major, &minor, name, sizeof(name)), 0);
    /* a name without a slash is not looked up in PATH: only its own form counts */
    CHECK_EQ_INT(fq_release_from_name("fake-qemu-5.2", &major, &minor, name, sizeof(name)), 1);
    CHECK_EQ_INT(fq_release_from_name("qemu-system-x86_64", &major, &minor, name,
                                      sizeof(name)), 0);
    /* a loop ends */
    unlink(b);
    CHECK(symlink(a, b) == 0);
    unlink(a);
    CHECK(symlink(c, a) == 0);
    unlink(c);
    CHECK(symlink(a, c) == 0);
    CHECK_EQ_INT(fq_release_from_name(c, &major, &minor, name, sizeof(name)), 0);
    unlink(a);
    unlink(b);
    unlink(c);
    rmdir(dir);
}

int main(void)
{
    RUN(test_names);
    RUN(test_symlink_chain);
    return vwtest_summary("fq_release_name");
}
