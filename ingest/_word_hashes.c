/* The word hashes of ingest/word_frequencies.py's `WordTable`, compiled.

   Every process that reads names builds its word tables at start-up: 321,000 English words and
   338,000 foreign ones, each hashed with xxh64 as Python's xxhash hashes a str (its UTF-8, seed 0).
   One Python call per word cost 60 ms of every such start-up; here it is one call per table.
   ingest/word_frequencies.py falls back to the Python calls where this module was not built; a test
   holds the two to the same hashes.
*/

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#define XXH_INLINE_ALL
#include "vendor/xxhash.h"

static PyObject *hashes(PyObject *Py_UNUSED(module), PyObject *words) {
    if (!PyList_Check(words)) {
        PyErr_SetString(PyExc_TypeError, "hashes takes a list of str");
        return NULL;
    }
    Py_ssize_t count = PyList_GET_SIZE(words);
    PyObject *result = PyBytes_FromStringAndSize(NULL, count * (Py_ssize_t)sizeof(uint64_t));
    if (result == NULL) return NULL;
    uint64_t *out = (uint64_t *)PyBytes_AS_STRING(result);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *word = PyList_GET_ITEM(words, i);
        Py_ssize_t length;
        const char *utf8 = PyUnicode_Check(word) ? PyUnicode_AsUTF8AndSize(word, &length) : NULL;
        if (utf8 == NULL) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "hashes takes a list of str");
            Py_DECREF(result);
            return NULL;
        }
        out[i] = XXH64(utf8, (size_t)length, 0);
    }
    return result;
}

static PyMethodDef methods[] = {
    {"hashes", hashes, METH_O, "hashes(words) -> bytes: the xxh64 of each word's UTF-8, as native uint64."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_word_hashes", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__word_hashes(void) { return PyModule_Create(&module); }
