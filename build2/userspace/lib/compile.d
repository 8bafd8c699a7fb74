build2/userspace/lib/compile.o: userspace/lib/compile.c \
 userspace/lib/compile.h userspace/lib/rules.h bpf/cellwatch.h \
 userspace/lib/event.h userspace/lib/glob.h
userspace/lib/compile.h:
userspace/lib/rules.h:
bpf/cellwatch.h:
userspace/lib/event.h:
userspace/lib/glob.h:
