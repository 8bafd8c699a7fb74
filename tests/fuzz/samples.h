/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Sample ring buffer records for the fuzz targets (samples.c). */
#ifndef CW_FUZZ_SAMPLES_H
#define CW_FUZZ_SAMPLES_H

#include <stddef.h>
#include "event.h"

/* Fill @r with sample record @i (0, 1, ...); its size, 0 past the last. */
size_t cw_fuzz_sample(size_t i, struct cw_event *r);

#endif /* CW_FUZZ_SAMPLES_H */
