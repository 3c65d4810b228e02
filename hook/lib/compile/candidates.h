/* Candidate values for one 32-bit half of a syscall argument (the verifier's, verify.h). What the
 * rules and the program ask of the half is a list of questions: its order against a constant
 * (x < c, x == c) or a masked comparison ((x & m) == d). The candidates are the values near every
 * constant and the combinations of masks a check could need; of those that answer every question
 * alike only one is kept, since nothing the program or the rules do can tell them apart. */
#ifndef SH_CANDIDATES_H
#define SH_CANDIDATES_H

#include <stddef.h>
#include <stdint.h>

typedef struct sh_question {
	uint8_t masked; /* 0: x against c (a); 1: (x & m) == d (a = m, b = d); 2: x & m against c (a = m, b = c) */
	uint32_t a, b;
} sh_question;

typedef struct sh_questions {
	sh_question *q;
	size_t n, cap;
} sh_questions;

void sh_questions_order(sh_questions *qs, uint32_t c);
void sh_questions_mask(sh_questions *qs, uint32_t m, uint32_t d);
/* An order of the masked value: a program that compares a word it has ANDed (libseccomp 2.5.4 does,
 * where it wrongly believes the accumulator still holds another word). */
void sh_questions_masked_order(sh_questions *qs, uint32_t m, uint32_t c);
void sh_questions_free(sh_questions *qs);

/* The candidates, sorted, one for each distinct set of answers (the smallest value that gives it):
 * 0 and the top, each constant and its neighbours, the middle of each gap where there are few
 * constants, each masked datum as written and as masked, with every other bit clear and set and with
 * a mask bit flipped, every pair of masks agreeing and disagreeing where they overlap, all masks
 * agreeing or all but one, and each constant with each mask applied. Caller frees *out; returns how
 * many, or SIZE_MAX (*out NULL) when gathering them would take more than limit values (masked
 * orders multiply them): the work and the memory stay within the limit. */
size_t sh_questions_values(const sh_questions *qs, size_t limit, uint32_t **out);

#endif
