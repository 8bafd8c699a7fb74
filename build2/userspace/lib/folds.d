build2/userspace/lib/folds.o: userspace/lib/folds.c userspace/lib/folds.h \
 userspace/lib/event.h bpf/cellwatch.h
userspace/lib/folds.h:
userspace/lib/event.h:
bpf/cellwatch.h:
