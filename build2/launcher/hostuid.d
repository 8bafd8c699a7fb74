build2/launcher/hostuid.o: launcher/hostuid.c launcher/cellrun.h \
 userspace/egress/egress.h userspace/lib/log.h launcher/steps.h \
 userspace/lib/files.h
launcher/cellrun.h:
userspace/egress/egress.h:
userspace/lib/log.h:
launcher/steps.h:
userspace/lib/files.h:
