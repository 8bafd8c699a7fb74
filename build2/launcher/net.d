build2/launcher/net.o: launcher/net.c launcher/cellrun.h \
 userspace/egress/egress.h userspace/lib/log.h launcher/steps.h
launcher/cellrun.h:
userspace/egress/egress.h:
userspace/lib/log.h:
launcher/steps.h:
