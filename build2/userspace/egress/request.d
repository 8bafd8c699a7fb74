build2/userspace/egress/request.o: userspace/egress/request.c \
 userspace/egress/proxy.h userspace/egress/egress.h
userspace/egress/proxy.h:
userspace/egress/egress.h:
