build2/launcher/shells.o: launcher/shells.c launcher/cellrun.h \
 userspace/egress/egress.h userspace/lib/log.h launcher/steps.h
launcher/cellrun.h:
userspace/egress/egress.h:
userspace/lib/log.h:
launcher/steps.h:
