build2/userspace/lib/cgroup.o: userspace/lib/cgroup.c \
 userspace/lib/cgroup.h
userspace/lib/cgroup.h:
