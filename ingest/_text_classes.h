/* Python's `re` character classes on a str, for the compiled scans of ingest/ (_name_scan.c,
   _shingles.c): \w is Py_UNICODE_ISALNUM or '_', \d is Py_UNICODE_ISDECIMAL. Each scan must read a
   text exactly as the regular expressions of its Python fallback do.
*/

#ifndef NEWSFLOW_TEXT_CLASSES_H
#define NEWSFLOW_TEXT_CLASSES_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    int kind;
    const void *data;
    Py_ssize_t length;
} Text;

static inline Py_UCS4 at(const Text *t, Py_ssize_t i) { return PyUnicode_READ(t->kind, t->data, i); }

/* ASCII characters are classified inline; the Unicode database is asked only for the others. */
static inline int ascii_letter(Py_UCS4 c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

static inline int ascii_digit(Py_UCS4 c) { return c >= '0' && c <= '9'; }

static inline int is_word(Py_UCS4 c) {
    return c < 128 ? ascii_letter(c) || ascii_digit(c) || c == '_' : Py_UNICODE_ISALNUM(c);
}

static inline int is_decimal(Py_UCS4 c) { return c < 128 ? ascii_digit(c) : Py_UNICODE_ISDECIMAL(c); }

/* [^\W\d_]: a letter, or a numeric character that is no decimal digit */
static inline int is_letter(Py_UCS4 c) {
    return c < 128 ? ascii_letter(c) : Py_UNICODE_ISALNUM(c) && !Py_UNICODE_ISDECIMAL(c);
}

#endif
