build2/userspace/lib/rules.o: userspace/lib/rules.c \
 userspace/lib/correlate.h userspace/lib/event.h bpf/cellwatch.h \
 userspace/lib/files.h userspace/lib/glob.h userspace/lib/jsonpos.h \
 userspace/lib/rules.h bpf/syscalls.def
userspace/lib/correlate.h:
userspace/lib/event.h:
bpf/cellwatch.h:
userspace/lib/files.h:
userspace/lib/glob.h:
userspace/lib/jsonpos.h:
userspace/lib/rules.h:
bpf/syscalls.def:
