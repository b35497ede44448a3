#ifndef REFUGE_CLIBPQ_SHIM_H
#define REFUGE_CLIBPQ_SHIM_H

/* libpq as Debian ships it (libpq-dev, pkg-config libpq). PGKit is the only module that imports it. */
#include <libpq-fe.h>

#endif
