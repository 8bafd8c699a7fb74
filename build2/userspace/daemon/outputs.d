build2/userspace/daemon/outputs.o: userspace/daemon/outputs.c \
 userspace/daemon/internal.h userspace/lib/api.h userspace/lib/cgroup.h \
 userspace/lib/config.h build2/buildconf.h userspace/daemon/daemon.h \
 userspace/lib/files.h userspace/daemon/keeper.h userspace/lib/log.h \
 userspace/lib/logfile.h userspace/daemon/metrics.h \
 userspace/lib/monitor.h userspace/lib/event.h bpf/cellwatch.h \
 userspace/lib/rules.h userspace/lib/parse.h userspace/lib/ecs.h \
 userspace/lib/rules.h userspace/daemon/syslog_out.h \
 userspace/daemon/journal.h userspace/daemon/rfc5424.h \
 userspace/lib/notify.h userspace/lib/session.h userspace/lib/logfile.h \
 userspace/lib/monitor.h
userspace/daemon/internal.h:
userspace/lib/api.h:
userspace/lib/cgroup.h:
userspace/lib/config.h:
build2/buildconf.h:
userspace/daemon/daemon.h:
userspace/lib/files.h:
userspace/daemon/keeper.h:
userspace/lib/log.h:
userspace/lib/logfile.h:
userspace/daemon/metrics.h:
userspace/lib/monitor.h:
userspace/lib/event.h:
bpf/cellwatch.h:
userspace/lib/rules.h:
userspace/lib/parse.h:
userspace/lib/ecs.h:
userspace/lib/rules.h:
userspace/daemon/syslog_out.h:
userspace/daemon/journal.h:
userspace/daemon/rfc5424.h:
userspace/lib/notify.h:
userspace/lib/session.h:
userspace/lib/logfile.h:
userspace/lib/monitor.h:
