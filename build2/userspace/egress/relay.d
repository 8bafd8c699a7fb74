build2/userspace/egress/relay.o: userspace/egress/relay.c \
 userspace/egress/proxy.h userspace/egress/egress.h
userspace/egress/proxy.h:
userspace/egress/egress.h:
