build2/userspace/cli/cellwatch.o: userspace/cli/cellwatch.c \
 build2/buildconf.h userspace/lib/cgroup.h userspace/daemon/daemon.h \
 userspace/daemon/keeper.h userspace/lib/log.h userspace/lib/ecs.h \
 userspace/lib/event.h bpf/cellwatch.h userspace/lib/notify.h \
 userspace/lib/parse.h userspace/lib/session.h userspace/lib/logfile.h \
 userspace/lib/monitor.h userspace/lib/rules.h userspace/cli/tail.h
build2/buildconf.h:
userspace/lib/cgroup.h:
userspace/daemon/daemon.h:
userspace/daemon/keeper.h:
userspace/lib/log.h:
userspace/lib/ecs.h:
userspace/lib/event.h:
bpf/cellwatch.h:
userspace/lib/notify.h:
userspace/lib/parse.h:
userspace/lib/session.h:
userspace/lib/logfile.h:
userspace/lib/monitor.h:
userspace/lib/rules.h:
userspace/cli/tail.h:
