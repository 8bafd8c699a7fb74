build2/userspace/lib/proctree.o: userspace/lib/proctree.c \
 userspace/lib/proctree.h userspace/lib/event.h bpf/cellwatch.h
userspace/lib/proctree.h:
userspace/lib/event.h:
bpf/cellwatch.h:
