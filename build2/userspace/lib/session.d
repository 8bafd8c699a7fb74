build2/userspace/lib/session.o: userspace/lib/session.c \
 userspace/lib/ecs.h userspace/lib/event.h bpf/cellwatch.h \
 userspace/lib/log.h userspace/lib/parse.h userspace/lib/session.h \
 build2/buildconf.h userspace/lib/logfile.h userspace/lib/monitor.h \
 userspace/lib/rules.h
userspace/lib/ecs.h:
userspace/lib/event.h:
bpf/cellwatch.h:
userspace/lib/log.h:
userspace/lib/parse.h:
userspace/lib/session.h:
build2/buildconf.h:
userspace/lib/logfile.h:
userspace/lib/monitor.h:
userspace/lib/rules.h:
