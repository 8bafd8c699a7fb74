build2/launcher/result.o: launcher/result.c launcher/cellrun.h \
 userspace/egress/egress.h userspace/lib/log.h launcher/steps.h
launcher/cellrun.h:
userspace/egress/egress.h:
userspace/lib/log.h:
launcher/steps.h:
