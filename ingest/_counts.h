/* Counting into a dict from C, for the compiled scans of ingest/ that tally what they meet
   (_name_scan.c: forms; _word_tokens.c: languages of cue words). */

#ifndef NEWSFLOW_COUNTS_H
#define NEWSFLOW_COUNTS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* One more of `key` in `counts` (a dict or a Counter, its values ints); -1 with an exception set. */
static int count_one(PyObject *counts, PyObject *key) {
    PyObject *so_far = PyDict_GetItemWithError(counts, key);
    if (so_far == NULL && PyErr_Occurred()) return -1;
    PyObject *next = PyLong_FromSsize_t(so_far == NULL ? 1 : PyLong_AsSsize_t(so_far) + 1);
    if (next == NULL) return -1;
    int failed = PyDict_SetItem(counts, key, next) < 0;
    Py_DECREF(next);
    return failed ? -1 : 0;
}

#endif
