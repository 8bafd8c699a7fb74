build2/userspace/lib/api.o: userspace/lib/api.c userspace/lib/api.h
userspace/lib/api.h:
