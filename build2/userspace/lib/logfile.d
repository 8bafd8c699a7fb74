build2/userspace/lib/logfile.o: userspace/lib/logfile.c \
 userspace/lib/log.h userspace/lib/logfile.h userspace/lib/ecs.h \
 userspace/lib/event.h bpf/cellwatch.h
userspace/lib/log.h:
userspace/lib/logfile.h:
userspace/lib/ecs.h:
userspace/lib/event.h:
bpf/cellwatch.h:
