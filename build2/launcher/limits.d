build2/launcher/limits.o: launcher/limits.c launcher/cellrun.h \
 userspace/egress/egress.h userspace/lib/log.h launcher/steps.h \
 userspace/lib/cgroup.h
launcher/cellrun.h:
userspace/egress/egress.h:
userspace/lib/log.h:
launcher/steps.h:
userspace/lib/cgroup.h:
