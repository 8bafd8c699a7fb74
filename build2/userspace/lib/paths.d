build2/userspace/lib/paths.o: userspace/lib/paths.c userspace/lib/paths.h
userspace/lib/paths.h:
