build2/launcher/outdir.o: launcher/outdir.c launcher/cellrun.h \
 userspace/egress/egress.h userspace/lib/log.h launcher/steps.h
launcher/cellrun.h:
userspace/egress/egress.h:
userspace/lib/log.h:
launcher/steps.h:
