build2/launcher/caps.o: launcher/caps.c launcher/steps.h
launcher/steps.h:
