build2/userspace/lib/files.o: userspace/lib/files.c userspace/lib/files.h
userspace/lib/files.h:
