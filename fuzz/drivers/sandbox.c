/* sandbox.c: keeps the targets that run a whole server (fuzz_fake_libvirtd, fuzz_fake_qemu) from
 * reaching outside the process. The targets are linked with
 *   -Wl,--wrap=connect,--wrap=getaddrinfo,--wrap=posix_spawn,--wrap=posix_spawnp
 * so that calls from our code land here: a fuzzed peer-to-peer migration URI must not connect
 * to a real libvirtd or resolve host names, and a fuzzed QMP `migrate exec:CMD` must not run a
 * shell. Each fails the way a refused connection / unknown host / failed spawn does, so the
 * error paths of the callers are what the fuzzer exercises. (fork is left alone: the AFL++
 * fork server uses it.) Linked into every target; unused wrappers cost nothing. */
#include <errno.h>
#include <netdb.h>
#include <spawn.h>
#include <sys/socket.h>

int __wrap_connect(int fd, const struct sockaddr *addr, socklen_t len);
int __wrap_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                       struct addrinfo **res);
int __wrap_posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                       const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);
int __wrap_posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                        const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);

int __wrap_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    (void)fd;
    (void)addr;
    (void)len;
    errno = ECONNREFUSED;
    return -1;
}

int __wrap_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                       struct addrinfo **res)
{
    (void)node;
    (void)service;
    (void)hints;
    *res = NULL;
    return EAI_NONAME;
}

int __wrap_posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                       const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    (void)pid;
    (void)path;
    (void)fa;
    (void)attr;
    (void)argv;
    (void)envp;
    return EPERM;
}

int __wrap_posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                        const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    return __wrap_posix_spawn(pid, file, fa, attr, argv, envp);
}
