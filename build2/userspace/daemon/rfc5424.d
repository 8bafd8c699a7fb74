build2/userspace/daemon/rfc5424.o: userspace/daemon/rfc5424.c \
 userspace/daemon/rfc5424.h
userspace/daemon/rfc5424.h:
