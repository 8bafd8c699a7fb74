build2/userspace/lib/correlate.o: userspace/lib/correlate.c \
 userspace/lib/correlate.h userspace/lib/event.h bpf/cellwatch.h \
 userspace/lib/rules.h
userspace/lib/correlate.h:
userspace/lib/event.h:
bpf/cellwatch.h:
userspace/lib/rules.h:
