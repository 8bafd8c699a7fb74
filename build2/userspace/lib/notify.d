build2/userspace/lib/notify.o: userspace/lib/notify.c userspace/lib/log.h \
 userspace/lib/notify.h
userspace/lib/log.h:
userspace/lib/notify.h:
