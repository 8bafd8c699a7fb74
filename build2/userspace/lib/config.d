build2/userspace/lib/config.o: userspace/lib/config.c \
 userspace/lib/config.h userspace/lib/files.h userspace/lib/log.h
userspace/lib/config.h:
userspace/lib/files.h:
userspace/lib/log.h:
