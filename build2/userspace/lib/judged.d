build2/userspace/lib/judged.o: userspace/lib/judged.c bpf/cellwatch.h \
 userspace/lib/judged.h userspace/lib/rules.h
bpf/cellwatch.h:
userspace/lib/judged.h:
userspace/lib/rules.h:
