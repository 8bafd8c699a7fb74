build2/userspace/daemon/syslog_out.o: userspace/daemon/syslog_out.c \
 userspace/daemon/shorten.h userspace/daemon/syslog_out.h \
 userspace/daemon/journal.h userspace/daemon/rfc5424.h
userspace/daemon/shorten.h:
userspace/daemon/syslog_out.h:
userspace/daemon/journal.h:
userspace/daemon/rfc5424.h:
