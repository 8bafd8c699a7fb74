build2/userspace/lib/glob.o: userspace/lib/glob.c userspace/lib/glob.h \
 bpf/cellwatch.h
userspace/lib/glob.h:
bpf/cellwatch.h:
