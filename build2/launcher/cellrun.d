build2/launcher/cellrun.o: launcher/cellrun.c build2/buildconf.h \
 userspace/lib/api.h launcher/cellrun.h userspace/egress/egress.h \
 userspace/lib/log.h launcher/steps.h userspace/lib/cgroup.h \
 userspace/lib/ecs.h userspace/lib/event.h bpf/cellwatch.h \
 userspace/lib/session.h userspace/lib/logfile.h userspace/lib/monitor.h \
 userspace/lib/rules.h
build2/buildconf.h:
userspace/lib/api.h:
launcher/cellrun.h:
userspace/egress/egress.h:
userspace/lib/log.h:
launcher/steps.h:
userspace/lib/cgroup.h:
userspace/lib/ecs.h:
userspace/lib/event.h:
bpf/cellwatch.h:
userspace/lib/session.h:
userspace/lib/logfile.h:
userspace/lib/monitor.h:
userspace/lib/rules.h:
