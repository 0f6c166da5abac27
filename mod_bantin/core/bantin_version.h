/* bantin_version.h -- the project's version, one string for every part.
 *
 * The Makefile writes it from the file VERSION at the top of the tree
 * (build/bantin_version.c), the same file debian/changelog follows, so
 * the module's BT0001 start line, its status page, `bantin-check
 * --version` and the packages all say the same.
 */
#ifndef BANTIN_VERSION_H
#define BANTIN_VERSION_H

extern const char bantin_version[];

#endif
