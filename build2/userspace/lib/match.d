build2/userspace/lib/match.o: userspace/lib/match.c userspace/lib/event.h \
 bpf/cellwatch.h userspace/lib/rules.h
userspace/lib/event.h:
bpf/cellwatch.h:
userspace/lib/rules.h:
