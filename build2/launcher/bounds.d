build2/launcher/bounds.o: launcher/bounds.c launcher/cellrun.h \
 userspace/egress/egress.h userspace/lib/log.h launcher/steps.h \
 userspace/lib/monitor.h userspace/lib/event.h bpf/cellwatch.h \
 userspace/lib/rules.h userspace/lib/ecs.h
launcher/cellrun.h:
userspace/egress/egress.h:
userspace/lib/log.h:
launcher/steps.h:
userspace/lib/monitor.h:
userspace/lib/event.h:
bpf/cellwatch.h:
userspace/lib/rules.h:
userspace/lib/ecs.h:
