/* bantin_shape.h -- a quick proof that a parsed article matches the
 * article schema (schema/article.rng), for the files that plainly do.
 *
 * RELAX NG validation costs libxml2 about as much as parsing, and at
 * startup every file of the content dir is checked.  Nearly all of them
 * are valid, and for those a direct walk of the tree, written from the
 * grammar, proves it in a fraction of the time.  The walk is only ever
 * stricter than the grammar: when it is not sure (a comment, a
 * whitespace-only title, a status with spaces around it...) it answers 0
 * and the RELAX NG validator decides, with the message editors see.  The
 * schema stays the one definition of the format; tests/unit/test_shape.c
 * and the article fuzzer check that the walk never accepts what the
 * schema refuses.
 */
#ifndef BANTIN_SHAPE_H
#define BANTIN_SHAPE_H

#include <libxml/tree.h>

/* 1: doc surely matches the article schema; 0: not sure (ask RELAX NG). */
int bantin_shape_valid(const xmlDoc *doc);

#endif
