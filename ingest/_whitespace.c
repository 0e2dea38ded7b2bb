/* `collapse_whitespace` of ingest/normalize.py, compiled.

   Every line of every article goes through it as its paragraphs are read (ingest/parse.py), and the
   two regular expressions and the strip cost 13 us of the 16 us that reading a Reuters-21578 story's
   paragraphs took. This is the same result in one pass: zero-width characters dropped, each run of
   the horizontal spaces of `_SPACE` made one space, then white space (str.isspace) stripped from both
   ends. ingest/normalize.py falls back to the regular expressions where this module was not built
   (no C compiler at install time); a test holds the two to the same output.
*/

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "_text_classes.h"

/* normalize.py's _ZERO_WIDTH */
static inline int zero_width(Py_UCS4 c) {
    return c == 0x200B || c == 0x200C || c == 0x200D || c == 0x2060 || c == 0xFEFF;
}

/* normalize.py's _SPACE */
static inline int horizontal_space(Py_UCS4 c) {
    if (c < 128) return c == ' ' || c == '\t';
    return c == 0x00A0 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F || c == 0x3000;
}

static PyObject *collapse(PyObject *Py_UNUSED(module), PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "collapse takes a str");
        return NULL;
    }
    Text t = {PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text)};
    Py_UCS4 *kept = PyMem_Malloc((t.length ? t.length : 1) * sizeof(Py_UCS4));
    if (kept == NULL) return PyErr_NoMemory();
    Py_ssize_t length = 0;
    int in_run = 0;
    for (Py_ssize_t i = 0; i < t.length; i++) {
        Py_UCS4 c = at(&t, i);
        if (zero_width(c)) continue;
        if (horizontal_space(c)) {
            if (!in_run) kept[length++] = ' ';
            in_run = 1;
            continue;
        }
        in_run = 0;
        kept[length++] = c;
    }
    Py_ssize_t start = 0, end = length;
    while (start < end && Py_UNICODE_ISSPACE(kept[start])) start++;
    while (end > start && Py_UNICODE_ISSPACE(kept[end - 1])) end--;
    PyObject *result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, kept + start, end - start);
    PyMem_Free(kept);
    return result;
}

static PyMethodDef methods[] = {
    {"collapse", collapse, METH_O,
     "collapse(text) -> str: one space for each run of horizontal spaces, no zero-width characters, stripped."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_whitespace", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__whitespace(void) { return PyModule_Create(&module); }
