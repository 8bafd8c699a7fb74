build2/userspace/daemon/metrics.o: userspace/daemon/metrics.c \
 build2/buildconf.h userspace/daemon/metrics.h
build2/buildconf.h:
userspace/daemon/metrics.h:
