build2/launcher/register.o: launcher/register.c userspace/lib/api.h \
 launcher/cellrun.h userspace/egress/egress.h userspace/lib/log.h \
 launcher/steps.h
userspace/lib/api.h:
launcher/cellrun.h:
userspace/egress/egress.h:
userspace/lib/log.h:
launcher/steps.h:
