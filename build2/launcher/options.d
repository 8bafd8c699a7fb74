build2/launcher/options.o: launcher/options.c userspace/lib/api.h \
 build2/buildconf.h launcher/cellrun.h userspace/egress/egress.h \
 userspace/lib/log.h launcher/steps.h userspace/lib/parse.h
userspace/lib/api.h:
build2/buildconf.h:
launcher/cellrun.h:
userspace/egress/egress.h:
userspace/lib/log.h:
launcher/steps.h:
userspace/lib/parse.h:
