build2/userspace/lib/jsonpos.o: userspace/lib/jsonpos.c \
 userspace/lib/jsonpos.h
userspace/lib/jsonpos.h:
