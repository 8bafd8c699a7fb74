build2/userspace/lib/monitor.o: userspace/lib/monitor.c \
 userspace/lib/cgroup.h userspace/lib/compile.h userspace/lib/rules.h \
 bpf/cellwatch.h userspace/lib/correlate.h userspace/lib/files.h \
 userspace/lib/folds.h userspace/lib/event.h userspace/lib/judged.h \
 userspace/lib/log.h userspace/lib/monitor.h userspace/lib/proctree.h \
 build2/cellwatch.skel.h build2/lsmprobe.skel.h bpf/syscalls.def
userspace/lib/cgroup.h:
userspace/lib/compile.h:
userspace/lib/rules.h:
bpf/cellwatch.h:
userspace/lib/correlate.h:
userspace/lib/files.h:
userspace/lib/folds.h:
userspace/lib/event.h:
userspace/lib/judged.h:
userspace/lib/log.h:
userspace/lib/monitor.h:
userspace/lib/proctree.h:
build2/cellwatch.skel.h:
build2/lsmprobe.skel.h:
bpf/syscalls.def:
