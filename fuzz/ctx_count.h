#ifndef SH_FUZZ_CTX_COUNT_H
#define SH_FUZZ_CTX_COUNT_H
/* Aborts when a libseccomp filter context created during the last input is still alive. */
void fuzz_check_contexts(void);
#endif
