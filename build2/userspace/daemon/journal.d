build2/userspace/daemon/journal.o: userspace/daemon/journal.c \
 userspace/daemon/journal.h userspace/daemon/rfc5424.h
userspace/daemon/journal.h:
userspace/daemon/rfc5424.h:
