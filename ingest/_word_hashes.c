/* The word hashes of ingest/word_frequencies.py's `WordTable`, compiled.

   Every process that reads names builds its word tables at start-up: 321,000 English words and
   338,000 foreign ones, each hashed with xxh64 as Python's xxhash hashes a str (its UTF-8, seed 0).
   One Python call per word cost 60 ms of every such start-up; here it is one call per table.
   ingest/word_frequencies.py falls back to the Python calls where this module was not built; a test
   holds the two to the same hashes.

   A look-up hashes one word and searches the sorted table: in Python, `bisect` on the table made a
   Python int of every hash it compared (0.6 us a look-up; each process looks up every new word).
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

/* Where the word's hash is in a sorted table of hashes (any buffer of native uint64), or -1. */
static PyObject *position(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2 || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "position takes a table of hashes and a str");
        return NULL;
    }
    Py_ssize_t length;
    const char *utf8 = PyUnicode_AsUTF8AndSize(args[1], &length);
    if (utf8 == NULL) return NULL;
    uint64_t key = XXH64(utf8, (size_t)length, 0);
    Py_buffer table;
    if (PyObject_GetBuffer(args[0], &table, PyBUF_SIMPLE) < 0) return NULL;
    const uint64_t *hashes = (const uint64_t *)table.buf;
    Py_ssize_t low = 0, high = table.len / (Py_ssize_t)sizeof(uint64_t);
    while (low < high) {
        Py_ssize_t middle = low + (high - low) / 2;
        if (hashes[middle] < key) low = middle + 1;
        else high = middle;
    }
    Py_ssize_t found = low < table.len / (Py_ssize_t)sizeof(uint64_t) && hashes[low] == key ? low : -1;
    PyBuffer_Release(&table);
    return PyLong_FromSsize_t(found);
}

static PyMethodDef methods[] = {
    {"hashes", hashes, METH_O, "hashes(words) -> bytes: the xxh64 of each word's UTF-8, as native uint64."},
    {"position", (PyCFunction)(void (*)(void))position, METH_FASTCALL,
     "position(table, word) -> int: where the word's xxh64 is in a sorted buffer of native uint64, or -1."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_word_hashes", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__word_hashes(void) { return PyModule_Create(&module); }
