# category: escape
# expect: caught
# goal: make a 32-bit syscall (int 0x80) from a 64-bit process: the i386
#       syscall table has other numbers, so a filter written for x86_64
#       numbers would not see what it is asked
import ctypes
import mmap
import os
import signal
import hostile as h

h.bound(5)
# mov eax, 20 (i386 getpid); int 0x80; ret
code = b"\xb8\x14\x00\x00\x00\xcd\x80\xc3"
mem = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
mem.write(code)
func = ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(mem)))
pid = os.fork()
if pid == 0:
    ret = func()
    os._exit(0 if ret > 0 else 1)
_, st = os.waitpid(pid, 0)
if os.WIFSIGNALED(st) and os.WTERMSIG(st) == signal.SIGSYS:
    h.blocked("seccomp", "the filter killed the process for a foreign ABI (SIGSYS)")
if os.WIFSIGNALED(st) and os.WTERMSIG(st) == signal.SIGSEGV:
    h.blocked("kernel", "int 0x80 faulted (SIGSEGV): this kernel runs no i386 syscalls")
if os.WIFSIGNALED(st):
    h.blocked("other", "the child died of signal %d" % os.WTERMSIG(st))
if os.WEXITSTATUS(st) == 0:
    h.achieved("the i386 getpid answered")
h.blocked("other", "the i386 syscall failed")
