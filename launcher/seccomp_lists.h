/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The syscall lists of launcher/seccomp.c, also read by the test that
 * proves every other syscall of the running kernel refused in a cell
 * (tests/test_privs.c).
 *
 * The syscalls a cell may make at all: what Docker's default profile
 * allows every container, less what launcher/seccomp.c refuses on top.
 * Every other syscall fails with ENOSYS, as on a kernel without it: one
 * this list does not name, one libseccomp does not know (it cannot be
 * allowed by a number it cannot name) and every syscall added to the
 * kernel after this list was written.  Names of other architectures are
 * skipped where the running one lacks them.
 */
#ifndef CELLRUN_SECCOMP_LISTS_H
#define CELLRUN_SECCOMP_LISTS_H

static const char *const seccomp_allowed[] = {
	/* files and directories */
	"access", "chdir", "chmod", "chown", "chown32", "close", "close_range",
	"copy_file_range", "creat", "dup", "dup2", "dup3", "faccessat", "faccessat2",
	"fadvise64", "fadvise64_64", "fallocate", "fchdir", "fchmod", "fchmodat", "fchmodat2",
	"fchown", "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr",
	"flistxattr", "flock", "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64",
	"fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futimesat", "getcwd",
	"getdents", "getdents64", "getxattr", "inotify_add_watch", "inotify_init",
	"inotify_init1", "inotify_rm_watch", "lchown", "lchown32", "lgetxattr", "link",
	"linkat", "listxattr", "llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr",
	"lstat", "lstat64", "mkdir", "mkdirat", "mknod", "mknodat", "newfstatat", "open",
	"openat", "openat2", "pread64", "preadv", "preadv2", "pwrite64", "pwritev", "pwritev2",
	"read", "readahead", "readlink", "readlinkat", "readv", "removexattr", "rename",
	"renameat", "renameat2", "rmdir", "sendfile", "sendfile64", "setxattr", "splice",
	"stat", "stat64", "statfs", "statfs64", "statx", "symlink", "symlinkat", "sync",
	"sync_file_range", "syncfs", "tee", "truncate", "truncate64", "umask", "unlink",
	"unlinkat", "utime", "utimensat", "utimensat_time64", "utimes", "vmsplice", "write",
	"writev", "fanotify_mark",
	/* asynchronous I/O, polling, events */
	"epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
	"epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "io_cancel",
	"io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64", "io_setup",
	"io_submit", "pipe", "pipe2", "poll", "ppoll", "ppoll_time64", "pselect6",
	"pselect6_time64", "select", "_newselect", "signalfd", "signalfd4", "timerfd_create",
	"timerfd_gettime", "timerfd_gettime64", "timerfd_settime", "timerfd_settime64",
	/* memory */
	"brk", "cachestat", "madvise", "map_shadow_stack", "membarrier", "memfd_create",
	"mincore", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect", "mremap", "msync",
	"munlock", "munlockall", "munmap", "pkey_alloc", "pkey_free", "pkey_mprotect",
	"remap_file_pages",
	/* processes, threads, scheduling */
	"arch_prctl", "capget", "capset", "clone", "clone3", "execve", "execveat", "exit",
	"exit_group", "fork", "get_robust_list", "get_thread_area", "getcpu", "getegid",
	"getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32",
	"getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getresgid", "getresgid32",
	"getresuid", "getresuid32", "getrlimit", "getrusage", "getsid", "gettid", "getuid",
	"getuid32", "ioctl", "ioprio_get", "ioprio_set", "landlock_add_rule",
	"landlock_create_ruleset", "landlock_restrict_self", "personality", "prctl", "prlimit64",
	"process_mrelease", "rseq", "sched_get_priority_max", "sched_get_priority_min",
	"sched_getaffinity", "sched_getattr", "sched_getparam", "sched_getscheduler",
	"sched_rr_get_interval", "sched_rr_get_interval_time64", "sched_setaffinity",
	"sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp",
	"set_robust_list", "set_thread_area", "set_tid_address", "setfsgid", "setfsgid32",
	"setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setpgid",
	"setpriority", "setregid", "setregid32", "setresgid", "setresgid32", "setresuid",
	"setresuid32", "setreuid", "setreuid32", "setrlimit", "setsid", "setuid", "setuid32",
	"ugetrlimit", "uname", "vfork", "wait4", "waitid", "waitpid",
	/* signals, time, futexes */
	"alarm", "clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64",
	"clock_nanosleep", "clock_nanosleep_time64", "futex", "futex_requeue", "futex_time64",
	"futex_wait", "futex_waitv", "futex_wake", "getitimer", "getrandom", "gettimeofday", "kill",
	"nanosleep", "pause", "pidfd_open", "pidfd_send_signal", "restart_syscall",
	"rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
	"rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo",
	"setitimer", "sigaltstack", "sigprocmask", "sigreturn", "sysinfo", "tgkill", "time",
	"timer_create", "timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64",
	"timer_settime", "timer_settime64", "times", "tkill",
	/* sockets (the families: launcher/seccomp.c) */
	"accept", "accept4", "bind", "connect", "getpeername", "getsockname", "getsockopt",
	"listen", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "send",
	"sendmmsg", "sendmsg", "sendto", "setsockopt", "shutdown", "socket", "socketcall",
	"socketpair",
	/* System V and POSIX IPC, in the cell's own IPC namespace */
	"ipc", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
	"mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "msgctl",
	"msgget", "msgrcv", "msgsnd", "semctl", "semget", "semop", "semtimedop",
	"semtimedop_time64", "shmat", "shmctl", "shmdt", "shmget",
};

/* Refused by name with EPERM: the calls an escape goes through, seen by the monitor. */
static const char *const seccomp_denied[] = {
	/* Docker's default profile */
	"acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module",
	"get_kernel_syms", "get_mempolicy", "ioperm", "iopl", "kcmp", "keyctl", "lookup_dcookie",
	"mbind", "mount", "move_pages", "name_to_handle_at", "nfsservctl", "open_by_handle_at",
	"perf_event_open", "pivot_root", "process_vm_readv", "process_vm_writev", "ptrace",
	"query_module", "quotactl", "quotactl_fd", "reboot", "request_key", "set_mempolicy",
	"setns", "settimeofday", "stime", "swapon", "swapoff", "sysfs", "_sysctl", "umount",
	"umount2", "unshare", "uselib", "userfaultfd", "ustat", "vm86", "vm86old",
	/* the new mount API and other ways to change the filesystem view */
	"fsopen", "fsconfig", "fsmount", "fspick", "open_tree", "move_mount", "mount_setattr",
	"chroot",
	/* kernel state and other processes */
	"syslog", "vhangup", "pidfd_getfd", "fanotify_init", "io_uring_setup",
	"io_uring_enter", "io_uring_register", "memfd_secret", "lsm_set_self_attr",
};

/*
 * Loading or unloading a module, booting another kernel: no program probes
 * for these, only an attack on the kernel calls them.  The caller dies with
 * SIGSYS at the call, which the monitor sees in signal_generate, also on a
 * kernel built without modules or kexec, which has no tracepoint for them.
 */
static const char *const seccomp_killed[] = {
	"init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
};

#endif /* CELLRUN_SECCOMP_LISTS_H */
