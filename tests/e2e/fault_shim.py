"""An `LD_PRELOAD` library that fails chosen system calls on chosen files, as a failing drive would.

Built with the system C compiler into a test's folder. Set in the environment of the process under test:
`FAULT_SUFFIX` (a path ending: calls on files whose path ends so fail), `FAULT_OPS` (any of `open`, `read`
(read(2)), `pread` (pread(2), how SQLite reads), `write`, `sync`, comma-separated), `FAULT_ERRNO` (the
errno returned, e.g. 5 for EIO, 13 for EACCES).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

SOURCE = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static int wanted(const char *op, const char *path) {
    const char *suffix = getenv("FAULT_SUFFIX"), *ops = getenv("FAULT_OPS");
    char have[256], want[32];
    if (!suffix || !ops || !path) return 0;
    snprintf(have, sizeof have, ",%s,", ops);
    snprintf(want, sizeof want, ",%s,", op);
    if (!strstr(have, want)) return 0;
    size_t n = strlen(path), m = strlen(suffix);
    return n >= m && strcmp(path + n - m, suffix) == 0;
}

static int fd_wanted(const char *op, int fd) {
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0) return 0;
    path[n] = 0;
    return wanted(op, path);
}

static int fail(void) { errno = atoi(getenv("FAULT_ERRNO") ? getenv("FAULT_ERRNO") : "5"); return -1; }

#define NEXT(name) static typeof(&name) real; if (!real) real = dlsym(RTLD_NEXT, #name)

int open(const char *path, int flags, ...) {
    NEXT(open); va_list ap; va_start(ap, flags); mode_t mode = va_arg(ap, mode_t); va_end(ap);
    return wanted("open", path) ? fail() : real(path, flags, mode);
}
int open64(const char *path, int flags, ...) {
    NEXT(open64); va_list ap; va_start(ap, flags); mode_t mode = va_arg(ap, mode_t); va_end(ap);
    return wanted("open", path) ? fail() : real(path, flags, mode);
}
int openat(int dir, const char *path, int flags, ...) {
    NEXT(openat); va_list ap; va_start(ap, flags); mode_t mode = va_arg(ap, mode_t); va_end(ap);
    return wanted("open", path) ? fail() : real(dir, path, flags, mode);
}
int openat64(int dir, const char *path, int flags, ...) {
    NEXT(openat64); va_list ap; va_start(ap, flags); mode_t mode = va_arg(ap, mode_t); va_end(ap);
    return wanted("open", path) ? fail() : real(dir, path, flags, mode);
}
ssize_t read(int fd, void *buf, size_t n) { NEXT(read); return fd_wanted("read", fd) ? fail() : real(fd, buf, n); }
ssize_t pread(int fd, void *buf, size_t n, off_t at) {
    NEXT(pread); return fd_wanted("pread", fd) ? fail() : real(fd, buf, n, at);
}
ssize_t pread64(int fd, void *buf, size_t n, off_t at) {
    NEXT(pread64); return fd_wanted("pread", fd) ? fail() : real(fd, buf, n, at);
}
ssize_t write(int fd, const void *buf, size_t n) {
    NEXT(write); return fd_wanted("write", fd) ? fail() : real(fd, buf, n);
}
ssize_t pwrite(int fd, const void *buf, size_t n, off_t at) {
    NEXT(pwrite); return fd_wanted("write", fd) ? fail() : real(fd, buf, n, at);
}
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t at) {
    NEXT(pwrite64); return fd_wanted("write", fd) ? fail() : real(fd, buf, n, at);
}
int fsync(int fd) { NEXT(fsync); return fd_wanted("sync", fd) ? fail() : real(fd); }
int fdatasync(int fd) { NEXT(fdatasync); return fd_wanted("sync", fd) ? fail() : real(fd); }
"""


def build_shim(folder: Path) -> Path | None:
    """The shim compiled into `folder` (None where no C compiler is installed)."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return None
    src, lib = folder / "fault_shim.c", folder / "fault_shim.so"
    src.write_text(SOURCE)
    subprocess.run([compiler, "-shared", "-fPIC", "-O1", "-o", str(lib), str(src), "-ldl"], check=True,
                   capture_output=True, timeout=120)
    return lib


def faulty_env(env: dict[str, str], shim: Path, suffix: str, ops: str, errno: int) -> dict[str, str]:
    """`env` with the shim preloaded, failing `ops` on files ending in `suffix` with `errno`."""
    return dict(env, LD_PRELOAD=str(shim), FAULT_SUFFIX=suffix, FAULT_OPS=ops, FAULT_ERRNO=str(errno))
