build2/launcher/egress.o: launcher/egress.c userspace/lib/api.h \
 launcher/cellrun.h userspace/egress/egress.h userspace/lib/log.h \
 launcher/steps.h userspace/lib/monitor.h userspace/lib/event.h \
 bpf/cellwatch.h userspace/lib/rules.h userspace/lib/ecs.h
userspace/lib/api.h:
launcher/cellrun.h:
userspace/egress/egress.h:
userspace/lib/log.h:
launcher/steps.h:
userspace/lib/monitor.h:
userspace/lib/event.h:
bpf/cellwatch.h:
userspace/lib/rules.h:
userspace/lib/ecs.h:
