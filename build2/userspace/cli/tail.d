build2/userspace/cli/tail.o: userspace/cli/tail.c userspace/lib/api.h \
 userspace/lib/ecs.h userspace/lib/event.h bpf/cellwatch.h \
 userspace/lib/parse.h userspace/lib/rules.h userspace/cli/tail.h
userspace/lib/api.h:
userspace/lib/ecs.h:
userspace/lib/event.h:
bpf/cellwatch.h:
userspace/lib/parse.h:
userspace/lib/rules.h:
userspace/cli/tail.h:
