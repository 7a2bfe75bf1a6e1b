/* fuzz_replay.c: reads saved fuzz inputs from files and directories and runs a target on each.
 * Inputs are copied into an exact-size heap buffer so ASan catches any over-read. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "fuzz_replay.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Saved inputs larger than this are refused: no target needs more, and AFL++ caps at 1 MiB. */
#define REPLAY_MAX_INPUT (16u * 1024u * 1024u)

static int replay_file(const char *path, fuzz_target_fn target)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        fprintf(stderr, "replay: out of memory reading %s\n", path);
        return 1;
    }
    for (;;) {
        if (len == cap) {
            if (cap >= REPLAY_MAX_INPUT) {
                fprintf(stderr, "replay: %s is larger than %u bytes, skipped\n", path, REPLAY_MAX_INPUT);
                free(buf);
                fclose(f);
                return 1;
            }
            uint8_t *grown = realloc(buf, cap * 2);
            if (!grown) {
                free(buf);
                fclose(f);
                fprintf(stderr, "replay: out of memory reading %s\n", path);
                return 1;
            }
            buf = grown;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    int read_error = ferror(f);
    fclose(f);
    if (read_error) {
        fprintf(stderr, "replay: read error on %s\n", path);
        free(buf);
        return 1;
    }
    /* Exact-size copy: a target reading one byte past the input trips ASan. */
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) {
        free(buf);
        return 1;
    }
    memcpy(exact, buf, len);
    free(buf);
    fprintf(stderr, "replay: %s\n", path);
    target(exact, len);
    free(exact);
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *path, fuzz_target_fn target)
{
    DIR *dir = opendir(path);
    if (!dir) {
        fprintf(stderr, "replay: cannot open directory %s: %s\n", path, strerror(errno));
        return 1;
    }
    char **names = NULL;
    size_t count = 0, cap = 0;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **grown = realloc(names, ncap * sizeof(*names));
            if (!grown) {
                rc = 1;
                break;
            }
            names = grown;
            cap = ncap;
        }
        if (asprintf(&names[count], "%s/%s", path, de->d_name) < 0) {
            rc = 1;
            break;
        }
        count++;
    }
    closedir(dir);
    if (count)
        qsort(names, count, sizeof(*names), compare_names);
    for (size_t i = 0; i < count; i++) {
        struct stat st;
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
            rc |= replay_file(names[i], target);
        free(names[i]);
    }
    free(names);
    return rc;
}

int fuzz_replay_paths(int count, char **paths, fuzz_target_fn target)
{
    int rc = 0;
    for (int i = 0; i < count; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            fprintf(stderr, "replay: cannot stat %s: %s\n", paths[i], strerror(errno));
            rc = 1;
        } else if (S_ISDIR(st.st_mode)) {
            rc |= replay_dir(paths[i], target);
        } else {
            rc |= replay_file(paths[i], target);
        }
    }
    return rc;
}
