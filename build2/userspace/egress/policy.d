build2/userspace/egress/policy.o: userspace/egress/policy.c \
 userspace/egress/proxy.h userspace/egress/egress.h
userspace/egress/proxy.h:
userspace/egress/egress.h:
