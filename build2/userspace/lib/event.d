build2/userspace/lib/event.o: userspace/lib/event.c userspace/lib/event.h \
 bpf/cellwatch.h userspace/lib/paths.h
userspace/lib/event.h:
bpf/cellwatch.h:
userspace/lib/paths.h:
