build2/userspace/daemon/keeper.o: userspace/daemon/keeper.c \
 userspace/daemon/keeper.h
userspace/daemon/keeper.h:
