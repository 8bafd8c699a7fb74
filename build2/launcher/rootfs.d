build2/launcher/rootfs.o: launcher/rootfs.c launcher/cellrun.h \
 userspace/egress/egress.h userspace/lib/log.h launcher/steps.h
launcher/cellrun.h:
userspace/egress/egress.h:
userspace/lib/log.h:
launcher/steps.h:
