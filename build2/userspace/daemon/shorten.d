build2/userspace/daemon/shorten.o: userspace/daemon/shorten.c \
 userspace/lib/ecs.h userspace/lib/event.h bpf/cellwatch.h \
 userspace/daemon/shorten.h
userspace/lib/ecs.h:
userspace/lib/event.h:
bpf/cellwatch.h:
userspace/daemon/shorten.h:
