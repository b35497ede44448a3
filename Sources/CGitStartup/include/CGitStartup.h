#ifndef REFUGE_CGITSTARTUP_H
#define REFUGE_CGITSTARTUP_H

/* Initialises libgit2 without loading the system CA bundle (see startup.c). Call once. */
int refuge_libgit2_init(void);

#endif
