build2/launcher/rlimits.o: launcher/rlimits.c launcher/steps.h
launcher/steps.h:
