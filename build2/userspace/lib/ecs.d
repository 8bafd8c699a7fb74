build2/userspace/lib/ecs.o: userspace/lib/ecs.c build2/buildconf.h \
 userspace/lib/ecs.h userspace/lib/event.h bpf/cellwatch.h \
 userspace/lib/correlate.h userspace/lib/log.h userspace/lib/rules.h
build2/buildconf.h:
userspace/lib/ecs.h:
userspace/lib/event.h:
bpf/cellwatch.h:
userspace/lib/correlate.h:
userspace/lib/log.h:
userspace/lib/rules.h:
