build2/userspace/lib/parse.o: userspace/lib/parse.c userspace/lib/log.h \
 userspace/lib/parse.h
userspace/lib/log.h:
userspace/lib/parse.h:
